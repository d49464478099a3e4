package org.mmapmtl.data;

import java.util.List;

/**
 * Every labelled image of one domain: one task of the paper.
 *
 * @param officialTrain for datasets that ship a train list (MiniDomainNet), the paths on it; empty otherwise
 */
public record Domain(String name, List<Sample> samples, List<String> officialTrain) {
    public Domain {
        samples = List.copyOf(samples);
        officialTrain = List.copyOf(officialTrain);
    }
}
