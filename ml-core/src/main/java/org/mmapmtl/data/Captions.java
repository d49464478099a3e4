package org.mmapmtl.data;

import java.util.ArrayList;
import java.util.List;

/**
 * How pretraining captions are worded. The first tiny CLIPs learned from {@link #VARIED} captions, whose openings
 * ("a photo of", "itap of", stray words) say nothing about the picture: their text tower learned to look past
 * everything before the object's words, so a learned context in those places (CoOp) had nothing to move.
 * {@link #DESCRIPTIVE} captions say only what is true of the picture (its style before the object, as in "a cartoon
 * drawing of a red star."), sometimes in a second or third sentence, so the words before and after the object
 * matter and the positions up to a CoOp prompt's end-of-text are trained.
 */
public enum Captions {
    /** Tiny CLIP versions 1 and 2: varied, partly meaningless openings and stray words. */
    VARIED,
    /** Version 3: every word describes the picture; up to three sentences. */
    DESCRIPTIVE,
    /**
     * Version 4's second stage, for the text tower alone: the pretraining styles' pairs worded as {@link #DESCRIPTIVE},
     * and pairs of eight more styles ({@link ShapeWorld#TEXT_STAGE_STYLES}) whose captions always name the style and
     * name only what it shows (no colour in a silhouette, no texture in a halftone print).
     */
    STYLED;

    /** How captions open; "a photo of" most often, as the prompt that zero-shot uses. */
    private static final String[] OPENINGS = {"a photo of", "a photo of", "a photo of", "a picture of",
            "a bad photo of", "a bright photo of", "a cropped photo of", "a close-up photo of", "a blurry photo of",
            "a good photo of", "an image of", "a rendering of", "itap of", "art of", "a low resolution photo of"};
    /** The openings of descriptive captions that fit a picture of any style. */
    private static final String[] GENERIC_OPENINGS = {"a photo of", "an image of", "a picture of"};
    /** Words with nothing to say about the picture, put in front of some captions. */
    private static final String[] STRAY_WORDS = {"here", "look", "today", "my", "our", "new", "old", "nice", "this",
            "simple", "just", "another", "again", "quite", "very", "some", "maybe", "best", "view", "shot", "scene",
            "object", "thing", "item", "figure", "icon", "symbol", "sign", "example", "sample", "found", "seen", "drawn",
            "made", "shown", "clear", "lovely", "great", "random", "first", "second", "last", "cool", "cute",
            "fine", "good", "bad", "wow", "okay", "yes", "photo", "picture", "image", "snapshot", "art"};

    /** The words captions use for each pretraining style, in the order of {@link ShapeWorld#PRETRAINING_STYLES}. */
    private static final String[][] STYLE_WORDS = {
            {"photo", "photograph", "picture"},
            {"flat drawing", "flat icon", "simple drawing"},
            {"cartoon", "cartoon drawing", "comic drawing"},
    };

    /** What a text-stage style is called, and whether its pictures show the object's colour and texture. */
    private record Look(String[] words, boolean colour, boolean texture) {
    }

    /** The looks of {@link ShapeWorld#TEXT_STAGE_STYLES}, in that order. */
    private static final Look[] LOOKS = {
            new Look(new String[] {"neon sign", "neon drawing"}, true, false),
            new Look(new String[] {"silhouette", "black silhouette"}, false, false),
            new Look(new String[] {"negative", "photo negative"}, false, true),
            new Look(new String[] {"blueprint", "technical drawing"}, false, false),
            new Look(new String[] {"chalk drawing", "chalkboard drawing"}, true, false),
            new Look(new String[] {"halftone print", "dot print"}, true, false),
            new Look(new String[] {"embroidery", "embroidered patch"}, true, false),
            new Look(new String[] {"stamp", "rubber stamp print"}, true, false),
    };

    /** The styles of {@link #STYLED}'s pairs: the pretraining styles, then the text stage's. */
    private static final List<String> STYLED_STYLES = java.util.stream.Stream.concat(
            ShapeWorld.PRETRAINING_STYLES.stream(), ShapeWorld.TEXT_STAGE_STYLES.stream()).toList();

    /** The styles whose pairs this wording draws. */
    public List<String> styles() {
        return this == STYLED ? STYLED_STYLES : ShapeWorld.PRETRAINING_STYLES;
    }

    /** The caption of a pretraining scene, drawn in one of {@link #styles()}. */
    String write(ShapeWorld.Scene scene, SplitMix64 random) {
        int pretraining = ShapeWorld.PRETRAINING_STYLES.indexOf(scene.style());
        return switch (this) {
            case VARIED -> varied(scene, STYLE_WORDS[pretraining], random);
            case DESCRIPTIVE -> description(scene, STYLE_WORDS[pretraining], random);
            case STYLED -> pretraining >= 0 ? description(scene, STYLE_WORDS[pretraining], random)
                    : styled(scene, LOOKS[ShapeWorld.TEXT_STAGE_STYLES.indexOf(scene.style())], random);
        };
    }

    /**
     * Every word and mark a pretraining caption of this wording can contain. Pretraining trains the token embeddings
     * of these alone; the rest of the 49,408-token table keeps its random initialisation, which says nothing.
     */
    public List<String> words() {
        List<String> words = new ArrayList<>(ShapeWorld.SHAPES);
        words.addAll(List.of(ShapeWorld.COLOURS));
        words.addAll(List.of(ShapeWorld.TEXTURES));
        words.addAll(List.of(ShapeWorld.SIZES));
        for (String[] style : STYLE_WORDS) {
            words.addAll(List.of(style));
        }
        words.addAll(List.of("a", "an", "of", "in", "style", "there is", "this", "."));
        switch (this) {
            case VARIED -> {
                words.addAll(List.of(OPENINGS));
                words.addAll(List.of(STRAY_WORDS));
            }
            case DESCRIPTIVE, STYLED -> {
                words.addAll(List.of(GENERIC_OPENINGS));
                words.addAll(List.of("shows", "the", "is", "it"));
            }
        }
        if (this == STYLED) {
            for (Look look : LOOKS) {
                words.addAll(List.of(look.words()));
            }
        }
        return words;
    }

    private static String varied(ShapeWorld.Scene s, String[] styleWords, SplitMix64 random) {
        String what = object(s, random, 6, 4, 4);
        String a = article(what);
        String style = styleWords[random.below(styleWords.length)];
        // Half the captions leave the style out, as most captions of pictures do: CLIP's prompt "a photo of a {class}."
        // then asks for the object whatever the picture's style, which is what zero-shot on unseen styles relies on.
        // Openings and stray words vary as in real captions, so the text tower learns that the object's words matter
        // wherever they stand and whatever comes before them (learned prompt tokens come before them too).
        String caption = switch (random.below(10)) {
            case 0, 1, 2, 3, 4 -> OPENINGS[random.below(OPENINGS.length)] + " " + a + " " + what + ".";
            case 5 -> what + ".";
            case 6, 7 -> article(style) + " " + style + " of " + a + " " + what + ".";
            case 8 -> a + " " + what + " in " + style + " style.";
            default -> "there is " + a + " " + what + " in this " + style + ".";
        };
        if (random.below(3) == 0) {
            StringBuilder stray = new StringBuilder();
            for (int k = random.below(3); k >= 0; k--) {
                stray.append(STRAY_WORDS[random.below(STRAY_WORDS.length)]).append(' ');
            }
            caption = stray + caption;
        }
        return caption;
    }

    /**
     * A caption in which every word is true of the picture: the object (its size, colour and texture each named with
     * some chance), the style mostly before it, and in a third of the captions one or two more sentences on the
     * object's colour, texture or size.
     */
    private static String description(ShapeWorld.Scene s, String[] styleWords, SplitMix64 random) {
        String what = object(s, random, 3, 2, s.texture() == 0 ? 4 : 2);
        String a = article(what);
        String style = styleWords[random.below(styleWords.length)];
        StringBuilder caption = new StringBuilder(switch (random.below(10)) {
            case 0, 1, 2, 3, 4 -> article(style) + " " + style + " of " + a + " " + what + ".";
            // a few openings say nothing of the style, as "a photo of" says of many a drawing on the web
            case 5 -> GENERIC_OPENINGS[random.below(GENERIC_OPENINGS.length)] + " " + a + " " + what + ".";
            case 6 -> what + ".";
            case 7 -> a + " " + what + " in " + style + " style.";
            case 8 -> "there is " + a + " " + what + " in this " + style + ".";
            default -> "this " + style + " shows " + a + " " + what + ".";
        });
        int more = random.below(6);
        for (int k = more < 2 ? 1 : more < 3 ? 2 : 0; k > 0; k--) {
            String subject = random.below(2) == 0 ? "it" : "the " + s.shapeName();
            String attribute = switch (random.below(3)) {
                case 0 -> ShapeWorld.COLOURS[s.colour()];
                case 1 -> ShapeWorld.TEXTURES[s.texture()];
                default -> ShapeWorld.SIZES[s.size()];
            };
            caption.append(' ').append(subject).append(" is ").append(attribute).append('.');
        }
        return caption.toString();
    }

    /**
     * A caption of a text-stage style: the style always named, before or after the object, and the object's colour and
     * texture only where the style draws them.
     */
    private static String styled(ShapeWorld.Scene s, Look look, SplitMix64 random) {
        StringBuilder object = new StringBuilder();
        if (random.below(3) == 0) {
            object.append(ShapeWorld.SIZES[s.size()]).append(' ');
        }
        if (look.colour() && random.below(2) == 0) {
            object.append(ShapeWorld.COLOURS[s.colour()]).append(' ');
        }
        if (look.texture() && s.texture() != 0 && random.below(2) == 0) {
            object.append(ShapeWorld.TEXTURES[s.texture()]).append(' ');
        }
        String what = object.append(s.shapeName()).toString();
        String a = article(what);
        String style = look.words()[random.below(look.words().length)];
        return switch (random.below(4)) {
            case 0, 1 -> article(style) + " " + style + " of " + a + " " + what + ".";
            case 2 -> a + " " + what + " in " + style + " style.";
            default -> "this " + style + " shows " + a + " " + what + ".";
        };
    }

    /** The object's words: its shape, after its size, colour and texture each named with a chance of 1 in the odds. */
    private static String object(ShapeWorld.Scene s, SplitMix64 random, int sizeOdds, int colourOdds, int textureOdds) {
        StringBuilder object = new StringBuilder();
        if (random.below(sizeOdds) == 0) {
            object.append(ShapeWorld.SIZES[s.size()]).append(' ');
        }
        if (random.below(colourOdds) == 0) {
            object.append(ShapeWorld.COLOURS[s.colour()]).append(' ');
        }
        if (random.below(textureOdds) == 0) {
            object.append(ShapeWorld.TEXTURES[s.texture()]).append(' ');
        }
        return object.append(s.shapeName()).toString();
    }

    private static String article(String word) {
        return "aeiou".indexOf(word.charAt(0)) >= 0 ? "an" : "a";
    }
}
