package org.mmapmtl.prompt;

/** A module that prompts both towers with the same number of tokens per layer (MmAP, MaPLe and their ablations). */
public interface MultiModalPrompt extends PromptModule {

    /** Tokens per prompted layer, on the text side and on the image side alike. */
    int tokens();

    @Override
    default int textTokens() {
        return tokens();
    }

    @Override
    default int visionTokens() {
        return tokens();
    }
}
