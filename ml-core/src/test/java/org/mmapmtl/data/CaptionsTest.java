package org.mmapmtl.data;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CaptionsTest {
    /**
     * A released tiny CLIP is reproducible only while its corpus is: the same seed and index must draw the same words
     * for ever (these were drawn by the code that pretrained versions 2 and 3).
     */
    @Test
    void theCorporaOfTheReleasedVersionsNeverChange() {
        assertThat(ShapeWorld.pretrainingPair(1, 0, 16, Captions.VARIED).caption())
                .isEqualTo("thing another my a cartoon of a dotted triangle.");
        assertThat(ShapeWorld.pretrainingPair(1, 1, 16, Captions.VARIED).caption())
                .isEqualTo("a picture of a striped square.");
        assertThat(ShapeWorld.pretrainingPair(1, 0, 16, Captions.DESCRIPTIVE).caption())
                .isEqualTo("large purple dotted triangle. the triangle is dotted.");
        assertThat(ShapeWorld.pretrainingPair(1, 1, 16, Captions.DESCRIPTIVE).caption())
                .isEqualTo("a photo of a green striped square. the square is striped.");
    }
}
