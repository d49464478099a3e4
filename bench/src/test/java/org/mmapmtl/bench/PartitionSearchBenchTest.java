package org.mmapmtl.bench;

import org.junit.jupiter.api.Test;
import org.mmapmtl.grouping.AffinityMatrix;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class PartitionSearchBenchTest {
    @Test
    void clusteredAffinitiesAreValidCosineMatrices() {
        AffinityMatrix a = PartitionSearchBench.clusteredAffinity(10, new Random(3));
        assertThat(a.size()).isEqualTo(10);
        for (int i = 0; i < 10; i++) {
            assertThat(a.at(i, i)).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-9));
            for (int j = 0; j < 10; j++) {
                assertThat(a.at(i, j)).isBetween(-1.0, 1.0);
            }
        }
    }
}
