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

    /** Version 4's text stage: a picture of a new style is captioned with that style's name and nothing it hides. */
    @Test
    void styledCaptionsAlwaysNameANewStyleAndOnlyWhatItShows() {
        java.util.Map<String, String> nameOf = java.util.Map.of("neon", "neon", "silhouette", "silhouette",
                "negative", "negative", "blueprint", "(blueprint|technical drawing)", "chalk", "chalk",
                "halftone", "(halftone|dot) print", "embroidery", "embroider", "stamp", "stamp");
        String colours = "\\b(" + String.join("|", ShapeWorld.COLOURS) + ")\\b";
        java.util.Map<String, Integer> seen = new java.util.TreeMap<>();
        for (int i = 0; i < 600; i++) {
            ShapeWorld.Pair pair = ShapeWorld.pretrainingPair(4, i, 16, Captions.STYLED);
            String caption = pair.caption();
            assertThat(ShapeWorld.SHAPES.stream().anyMatch(caption::contains)).as(caption).isTrue();
            seen.merge(pair.style(), 1, Integer::sum);
            if (ShapeWorld.TEXT_STAGE_STYLES.contains(pair.style())) {
                assertThat(caption).as(pair.style()).containsPattern(nameOf.get(pair.style()));
                if (java.util.List.of("silhouette", "negative", "blueprint").contains(pair.style())) {
                    assertThat(caption).as("a " + pair.style() + " shows no colour").doesNotContainPattern(colours);
                }
            }
        }
        assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(Captions.STYLED.styles());
    }
}
