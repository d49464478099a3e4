package org.mmapmtl.evalservice.predict;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Limits of {@code POST /predict} ({@code mmap.predict.*}, env {@code MMAP_PREDICT_*}). */
@ConfigMapping(prefix = "mmap.predict")
public interface PredictSettings {
    /** images in one request */
    @WithDefault("16")
    int maxImages();

    /** bytes of one uploaded image (the whole request is also capped by quarkus.http.limits.max-body-size) */
    @WithDefault("4194304")
    long maxImageBytes();

    /**
     * pixels (width × height) of one decoded image: a small compressed file can claim a huge bitmap, which is refused
     * from its header, before it is decoded
     */
    @WithDefault("16777216")
    long maxImagePixels();

    /** pixels of all images of one request together: what one request may hold decoded in memory at once */
    @WithDefault("33554432")
    long maxRequestPixels();

    /** class names in one request */
    @WithDefault("1000")
    int maxClasses();

    /**
     * requests decoded or predicting at once: predictions run one at a time, and each request in line holds its
     * decoded images (up to max-request-pixels), so more are answered 503 instead of queueing without bound
     */
    @WithDefault("4")
    int maxConcurrent();
}
