package org.mmapmtl.data;

import java.util.List;

/** One task's (domain's) training and test images. */
public record TaskSplit(String task, List<Sample> train, List<Sample> test) {
    public TaskSplit {
        train = List.copyOf(train);
        test = List.copyOf(test);
    }
}
