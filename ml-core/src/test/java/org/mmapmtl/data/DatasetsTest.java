package org.mmapmtl.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatasetsTest {
    static final List<String> OFFICE_CLASSES = List.of("Alarm_Clock", "Backpack", "Bike", "TV", "Table");

    @TempDir
    Path root;

    static void image(Path file, int shade) throws Exception {
        Files.createDirectories(file.getParent());
        BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, shade * 0x010101);
        ImageIO.write(image, "png", file.toFile());
    }

    /** Office-Home layout: 4 domains × 5 classes, class k holding 10 + k images. */
    void officeHomeTree() throws Exception {
        for (String domain : DatasetLoader.OFFICE_HOME_DOMAINS) {
            for (int c = 0; c < OFFICE_CLASSES.size(); c++) {
                for (int i = 0; i < 10 + c; i++) {
                    image(root.resolve(domain).resolve(OFFICE_CLASSES.get(c)).resolve(String.format("%05d.jpg", i + 1)), i);
                }
            }
        }
        Files.writeString(root.resolve("Art").resolve("Bike").resolve("notes.txt"), "not an image");
    }

    /** Dassl MiniDomainNet layout: 3 classes; per domain 12 images per class, 9 on the train list, 3 on the test list. */
    void miniDomainNetTree() throws Exception {
        String[] classes = {"aircraft_carrier", "bear", "zebra"};
        Files.createDirectories(root.resolve("splits_mini"));
        for (String domain : DatasetLoader.MINI_DOMAINNET_DOMAINS) {
            List<String> train = new ArrayList<>();
            List<String> test = new ArrayList<>();
            for (int c = 0; c < classes.length; c++) {
                for (int i = 0; i < 12; i++) {
                    String path = domain + "/" + classes[c] + "/" + domain + "_" + c + "_" + i + ".jpg";
                    image(root.resolve(path), i);
                    (i < 9 ? train : test).add(path + " " + c);
                }
            }
            Files.write(root.resolve("splits_mini").resolve(domain + "_train.txt"), train);
            Files.write(root.resolve("splits_mini").resolve(domain + "_test.txt"), test);
        }
    }

    @Test
    void officeHomeCountsClassNamesAndLabels() throws Exception {
        officeHomeTree();
        Dataset d = DatasetLoader.load("office-home", root);
        assertThat(d.classNames()).containsExactly("Alarm Clock", "Backpack", "Bike", "TV", "Table");
        assertThat(d.domains()).extracting(Domain::name).containsExactlyElementsOf(DatasetLoader.OFFICE_HOME_DOMAINS);
        assertThat(d.domain("Art").samples()).hasSize(10 + 11 + 12 + 13 + 14);
        assertThat(d.domain("Clipart").samples()).filteredOn(s -> s.label() == 3)
                .allMatch(s -> s.path().startsWith("Clipart/TV/")).hasSize(13);
    }

    @Test
    void percentSplitIsPerClassAtLeastOneAndTheRestIsTest() throws Exception {
        officeHomeTree();
        Split split = Split.of(DatasetLoader.officeHome(root), new SplitRule.Percent(10), 1, false);
        TaskSplit art = split.task("Art");
        // round(10% of 10..14) = 1 each
        assertThat(art.train()).hasSize(5);
        assertThat(art.test()).hasSize(60 - 5);
        assertThat(new HashSet<>(art.train().stream().map(Sample::label).toList())).hasSize(5);
        Set<String> overlap = new HashSet<>(art.train().stream().map(Sample::path).toList());
        overlap.retainAll(art.test().stream().map(Sample::path).toList());
        assertThat(overlap).isEmpty();

        Split twenty = Split.of(DatasetLoader.officeHome(root), new SplitRule.Percent(20), 1, false);
        assertThat(twenty.task("Product").train()).hasSize(2 + 2 + 2 + 3 + 3);
        Split shots = Split.of(DatasetLoader.officeHome(root), new SplitRule.Shots(3), 1, false);
        assertThat(shots.task("Real_World").train()).hasSize(15);
    }

    @Test
    void sameSeedSameFilesOtherSeedOtherFiles() throws Exception {
        officeHomeTree();
        Dataset d = DatasetLoader.officeHome(root);
        Split a = Split.of(d, new SplitRule.Shots(3), 7, false);
        Split b = Split.of(DatasetLoader.officeHome(root), new SplitRule.Shots(3), 7, false);
        Split c = Split.of(d, new SplitRule.Shots(3), 8, false);
        assertThat(a.tasks()).isEqualTo(b.tasks());
        assertThat(a.task("Art").train()).isNotEqualTo(c.task("Art").train());
    }

    @Test
    void generatorIsSplitMix64AsPublished() {
        // the reference outputs of SplitMix64 for seed 0 (Vigna's splitmix64.c)
        SplitMix64 r = new SplitMix64(0);
        assertThat(r.next()).isEqualTo(0xe220a8397b1dcdafL);
        assertThat(r.next()).isEqualTo(0x6e789e6aa1b965f4L);
        assertThat(r.next()).isEqualTo(0x06c45d188009454fL);
    }

    @Test
    void splitsArePinnedSoThatAChangedAlgorithmCannotGoUnnoticed() throws Exception {
        officeHomeTree();
        Split split = Split.of(DatasetLoader.officeHome(root), new SplitRule.Shots(2), 1, false);
        assertThat(split.task("Art").train()).filteredOn(s -> s.label() == 2).extracting(Sample::path)
                .containsExactly(PINNED_ART_BIKE);
    }

    /** Computed independently with a Python transcription of the documented generator. */
    static final String[] PINNED_ART_BIKE = {"Art/Bike/00011.jpg", "Art/Bike/00004.jpg"};

    @Test
    void manifestRoundTripsToTheSameSplit() throws Exception {
        officeHomeTree();
        Split split = Split.of(DatasetLoader.officeHome(root), new SplitRule.Percent(20), 3, false);
        Path manifest = root.resolve("split.json");
        SplitManifest.write(split, manifest);
        assertThat(SplitManifest.read(manifest)).isEqualTo(split);
    }

    @Test
    void miniDomainNetPercentSamplesFromAllListedImagesOrOfficialTrain() throws Exception {
        miniDomainNetTree();
        Dataset d = DatasetLoader.miniDomainNet(root);
        assertThat(d.classNames()).containsExactly("aircraft carrier", "bear", "zebra");
        Split paper = Split.of(d, new SplitRule.Percent(10), 1, false);
        assertThat(paper.task("sketch").train()).hasSize(3); // round(1.2) per class
        assertThat(paper.task("sketch").test()).hasSize(33);
        Split official = Split.of(d, new SplitRule.Shots(2), 1, true);
        assertThat(official.task("real").train()).hasSize(6)
                .allMatch(s -> Integer.parseInt(s.path().replaceAll(".*_(\\d+)\\.jpg", "$1")) < 9);
        assertThat(official.task("real").test()).hasSize(9);
    }

    @Test
    void badTreesAreNamedPrecisely() throws Exception {
        assertThatThrownBy(() -> DatasetLoader.officeHome(root.resolve("nope"))).hasMessageContaining("nope")
                .hasMessageContaining("does not exist");
        officeHomeTree();
        Files.walk(root.resolve("Product")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        assertThatThrownBy(() -> DatasetLoader.officeHome(root)).hasMessageContaining("missing domain folder")
                .hasMessageContaining("Product");
    }

    @Test
    void emptyClassFolderIsNamed() throws Exception {
        officeHomeTree();
        Path bike = root.resolve("Clipart").resolve("Bike");
        try (var files = Files.list(bike)) {
            files.forEach(p -> p.toFile().delete());
        }
        assertThatThrownBy(() -> DatasetLoader.officeHome(root)).hasMessageContaining("empty class folder")
                .hasMessageContaining(bike.toString());
    }

    @Test
    void badSplitLinesAreNamedWithFileAndLine() throws Exception {
        miniDomainNetTree();
        Path list = root.resolve("splits_mini").resolve("painting_test.txt");
        List<String> lines = new ArrayList<>(Files.readAllLines(list));
        lines.set(4, "painting/bear/missing.jpg 1");
        Files.write(list, lines);
        assertThatThrownBy(() -> DatasetLoader.miniDomainNet(root)).hasMessageContaining(list + ":5")
                .hasMessageContaining("does not exist");

        lines.set(4, "painting/bear/painting_1_9.jpg 300");
        Files.write(list, lines);
        assertThatThrownBy(() -> DatasetLoader.miniDomainNet(root)).hasMessageContaining(list + ":5")
                .hasMessageContaining("out of range");

        lines.set(4, "painting/bear/painting_1_9.jpg 2");
        Files.write(list, lines);
        assertThatThrownBy(() -> DatasetLoader.miniDomainNet(root)).hasMessageContaining(list + ":5")
                .hasMessageContaining("'bear' here but 'zebra'");

        Files.delete(list);
        assertThatThrownBy(() -> DatasetLoader.miniDomainNet(root)).hasMessageContaining("missing split file");
    }

    @Test
    void generatedDataIsAFolderDatasetAndDeterministic() throws Exception {
        Path a = root.resolve("a");
        Path b = root.resolve("b");
        var summary = SyntheticDomains.generate(a, 4, 10, 3, 5, 32);
        SyntheticDomains.generate(b, 4, 10, 3, 5, 32);
        assertThat(summary.images()).isEqualTo(120);
        assertThat(summary.domains()).containsExactly("photo", "clipart", "sketch", "painting");
        Dataset d = DatasetLoader.folder(a);
        assertThat(d.classNames()).hasSize(10).contains("circle", "striped circle");
        for (Sample s : d.domain("painting").samples()) {
            assertThat(Files.mismatch(a.resolve(s.path()), b.resolve(s.path()))).isEqualTo(-1);
        }
        Path c = root.resolve("c");
        SyntheticDomains.generate(c, 1, 1, 1, 6, 32);
        assertThat(Files.mismatch(a.resolve("photo/circle/photo_circle_000.png"), c.resolve("photo/circle/photo_circle_000.png")))
                .isNotEqualTo(-1);
    }

    @Test
    void palettesDecideWhatColourSaysAboutTheClass() throws Exception {
        assertThat(SyntheticDomains.hues(SyntheticDomains.Palette.CLASS, 5, "photo"))
                .containsExactly(SyntheticDomains.hues(SyntheticDomains.Palette.CLASS, 5, "clipart"))
                .containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        int[] photo = SyntheticDomains.hues(SyntheticDomains.Palette.DOMAIN, 5, "photo");
        int[] clipart = SyntheticDomains.hues(SyntheticDomains.Palette.DOMAIN, 5, "clipart");
        assertThat(photo).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7).isNotEqualTo(clipart);
        assertThat(clipart).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7);
        assertThat(SyntheticDomains.hues(SyntheticDomains.Palette.DOMAIN, 5, "photo")).containsExactly(photo);

        Path a = root.resolve("a");
        Path b = root.resolve("b");
        Path c = root.resolve("c");
        SyntheticDomains.generate(a, 2, 2, 2, 5, 32, SyntheticDomains.Palette.RANDOM);
        SyntheticDomains.generate(b, 2, 2, 2, 5, 32, SyntheticDomains.Palette.RANDOM);
        SyntheticDomains.generate(c, 2, 2, 2, 5, 32, SyntheticDomains.Palette.CLASS);
        String one = "clipart/circle/clipart_circle_001.png";
        assertThat(Files.mismatch(a.resolve(one), b.resolve(one))).isEqualTo(-1);
        assertThat(Files.mismatch(a.resolve(one), c.resolve(one))).isNotEqualTo(-1);
    }
}
