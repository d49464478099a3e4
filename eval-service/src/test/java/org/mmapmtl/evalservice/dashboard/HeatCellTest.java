package org.mmapmtl.evalservice.dashboard;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HeatCellTest {
    @Test
    void aSimilarityThatRoundsToZeroReadsAsZeroWhateverItsSign() {
        assertThat(new Board.HeatCell("a", "b", -0.0006, false).text()).isEqualTo("0.00");
        assertThat(new Board.HeatCell("a", "b", 0.0004, false).text()).isEqualTo("0.00");
        assertThat(new Board.HeatCell("a", "b", -0.2346, true).text()).isEqualTo("-0.23");
        assertThat(new Board.HeatCell("a", "a", 1.0, true).text()).isEqualTo("1.00");
    }
}
