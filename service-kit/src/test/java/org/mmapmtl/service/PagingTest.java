package org.mmapmtl.service;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PagingTest {
    static final List<Integer> HUNDRED = IntStream.range(0, 100).boxed().toList();

    @Test
    void defaultsToTheConfiguredPageAndNeverMoreThanTheMaximum() {
        assertThat(Paging.of(null, null, 50, 500)).isEqualTo(new Paging(50, 0));
        assertThat(Paging.of(null, null, 50, 20)).isEqualTo(new Paging(20, 0));
        assertThat(Paging.of("7", "3", 50, 500).of(HUNDRED)).containsExactly(3, 4, 5, 6, 7, 8, 9);
        assertThat(Paging.of("30", "90", 50, 500).of(HUNDRED)).hasSize(10);
        assertThat(Paging.of("30", "100", 50, 500).of(HUNDRED)).isEmpty();
        assertThat(Paging.of("500", String.valueOf(Integer.MAX_VALUE), 50, 500).of(HUNDRED)).isEmpty();
    }

    @Test
    void outOfRangeParametersAreNamed() {
        assertThatThrownBy(() -> Paging.of("501", "-1", 50, 500)).isInstanceOfSatisfying(ProblemException.class, e -> {
            Problem p = e.problem();
            assertThat(p.status()).isEqualTo(400);
            assertThat(p.errors()).extracting(Problem.FieldError::field).containsExactly("limit", "offset");
            assertThat(p.errors().get(0).message()).contains("between 1 and 500");
        });
        assertThatThrownBy(() -> Paging.of("0", null, 50, 500)).isInstanceOf(ProblemException.class);
        assertThatThrownBy(() -> Paging.of("many", "99999999999", 50, 500)).isInstanceOfSatisfying(ProblemException.class,
                e -> assertThat(e.problem().errors()).extracting(Problem.FieldError::field).containsExactly("limit", "offset"));
    }
}
