package org.mmapmtl.data;

/**
 * One labelled image of a task.
 *
 * @param path  relative to the dataset root, with '/' separators, so manifests are the same on every machine
 * @param label index into the task's class names
 */
public record Sample(String path, int label) {
}
