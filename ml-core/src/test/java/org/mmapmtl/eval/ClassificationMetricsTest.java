package org.mmapmtl.eval;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ClassificationMetricsTest {
    @Test
    void countsAndPerClassScoresAsWorkedOutByHand() {
        // truth:     a a a b b c
        // predicted: a b a b a b
        ClassificationMetrics m = ClassificationMetrics.of(List.of("a", "b", "c"),
                new long[] {0, 0, 0, 1, 1, 2}, new long[] {0, 1, 0, 1, 0, 1});
        assertThat(m.confusion()).isDeepEqualTo(new long[][] {{2, 1, 0}, {1, 1, 0}, {0, 1, 0}});
        assertThat(m.correct()).isEqualTo(3);
        assertThat(m.total()).isEqualTo(6);
        assertThat(m.accuracy()).isEqualTo(0.5);
        var a = m.perClass().get(0);
        assertThat(a.precision()).isCloseTo(2.0 / 3, within(1e-12));   // 2 of 3 predicted a
        assertThat(a.recall()).isCloseTo(2.0 / 3, within(1e-12));      // 2 of 3 true a
        assertThat(a.f1()).isCloseTo(2.0 / 3, within(1e-12));
        var b = m.perClass().get(1);
        assertThat(b.precision()).isCloseTo(1.0 / 3, within(1e-12));   // 1 of 3 predicted b
        assertThat(b.recall()).isCloseTo(0.5, within(1e-12));
        assertThat(b.f1()).isCloseTo(0.4, within(1e-12));
        var c = m.perClass().get(2);
        assertThat(c.precision()).isZero();                           // never predicted
        assertThat(c.f1()).isZero();
        assertThat(c.support()).isEqualTo(1);
        assertThat(m.macroF1()).isCloseTo((2.0 / 3 + 0.4 + 0) / 3, within(1e-12));
    }
}
