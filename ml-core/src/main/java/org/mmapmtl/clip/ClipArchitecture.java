package org.mmapmtl.clip;

import java.util.Arrays;
import java.util.Locale;

/** Named CLIP shapes for random initialization: the OpenAI ViT models and a tiny one for tests and the demo. */
public enum ClipArchitecture {
    TINY("tiny", new ClipConfig(64, new ClipConfig.Vision(128, 2, 2, 16, 64), new ClipConfig.Text(128, 2, 2, 77, 49408))),
    /**
     * Twelve layers in both towers, as ViT-B, at widths 128 (text) and 192 (vision) whose ratio is ViT-B/16's 512:768:
     * MmAP's defaults (b = m = 6, n = the widths' gcd) give it the default's factor shapes Ml 1×2 and Mv 1×3 at K = 12.
     */
    TINY_DEEP("tiny-deep", new ClipConfig(64, new ClipConfig.Vision(192, 12, 3, 16, 64), new ClipConfig.Text(128, 12, 2, 77, 49408))),
    VIT_B_32("ViT-B-32", new ClipConfig(512, new ClipConfig.Vision(768, 12, 12, 32, 224), new ClipConfig.Text(512, 12, 8, 77, 49408))),
    VIT_B_16("ViT-B-16", new ClipConfig(512, new ClipConfig.Vision(768, 12, 12, 16, 224), new ClipConfig.Text(512, 12, 8, 77, 49408))),
    VIT_L_14("ViT-L-14", new ClipConfig(768, new ClipConfig.Vision(1024, 24, 16, 14, 224), new ClipConfig.Text(768, 12, 12, 77, 49408)));

    private final String label;
    private final ClipConfig config;

    ClipArchitecture(String label, ClipConfig config) {
        this.label = label;
        this.config = config;
    }

    public String label() {
        return label;
    }

    public ClipConfig config() {
        return config;
    }

    public static ClipArchitecture of(String label) {
        for (ClipArchitecture a : values()) {
            if (a.label.equalsIgnoreCase(label) || a.name().equalsIgnoreCase(label.replace('-', '_').toUpperCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown architecture '" + label + "': use one of "
                + Arrays.stream(values()).map(ClipArchitecture::label).toList());
    }
}
