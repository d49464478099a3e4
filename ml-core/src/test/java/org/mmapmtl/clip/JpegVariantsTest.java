package org.mmapmtl.clip;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The JPEG variants real datasets hold decode to the same picture (within JPEG loss): CMYK, progressive, grayscale. */
class JpegVariantsTest {
    static Path resource(String name) throws Exception {
        return Path.of(JpegVariantsTest.class.getResource("/jpeg/" + name).toURI());
    }

    static double meanAbsoluteDifference(BufferedImage a, BufferedImage b) {
        double sum = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                for (int shift = 0; shift <= 16; shift += 8) {
                    sum += Math.abs(((p >> shift) & 0xff) - ((q >> shift) & 0xff));
                }
            }
        }
        return sum / (3.0 * a.getWidth() * a.getHeight());
    }

    @Test
    void cmykProgressiveAndGrayscaleJpegsDecode() throws Exception {
        BufferedImage reference = ClipPreprocessor.read(resource("reference.png"));
        for (String name : new String[] {"cmyk.jpg", "progressive.jpg"}) {
            BufferedImage decoded = ClipPreprocessor.read(resource(name));
            assertThat(decoded.getWidth()).as(name).isEqualTo(64);
            assertThat(meanAbsoluteDifference(decoded, reference)).as(name).isLessThan(6);
        }
        BufferedImage gray = ClipPreprocessor.read(resource("grayscale.jpg"));
        int p = gray.getRGB(10, 10);
        assertThat((p >> 16) & 0xff).isEqualTo(p & 0xff);
        assertThat(new ClipPreprocessor(32).apply(gray)).hasSize(3 * 32 * 32);
    }

    @Test
    void aTruncatedJpegIsRefusedWithItsPathInsteadOfDecodedWithGreyRows(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        for (String name : new String[] {"progressive.jpg", "cmyk.jpg"}) {
            byte[] bytes = java.nio.file.Files.readAllBytes(resource(name));
            Path cut = java.nio.file.Files.write(dir.resolve("cut-" + name), java.util.Arrays.copyOf(bytes, bytes.length / 2));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> ClipPreprocessor.read(cut))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(cut.toString());
        }
    }
}
