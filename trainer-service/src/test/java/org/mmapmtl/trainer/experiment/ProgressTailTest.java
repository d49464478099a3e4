package org.mmapmtl.trainer.experiment;

import org.junit.jupiter.api.Test;
import org.mmapmtl.trainer.progress.ProgressEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reports of one experiment read once for all its streams: streams at the head share each read, a stream behind
 * what the tail holds is told to read for itself, and nothing between the tail's ends is skipped, even after the tail
 * has dropped its oldest reports.
 */
class ProgressTailTest {
    private final List<ProgressEntry> log = new ArrayList<>();
    private final AtomicInteger reads = new AtomicInteger();

    @Test
    void streamsAtTheHeadShareOneReadAndAStreamBehindReadsItself() throws Exception {
        ProgressStream.Tail tail = new ProgressStream.Tail();
        append(1, 5);
        assertThat(ids(tail.after(5, () -> newer(tail)).orElseThrow())).isEmpty(); // the first stream starts the tail at 5
        append(6, 9);
        Thread.sleep(300); // a poll period later
        reads.set(0);
        assertThat(ids(tail.after(5, () -> newer(tail)).orElseThrow())).containsExactly(6L, 7L, 8L, 9L);
        assertThat(ids(tail.after(7, () -> newer(tail)).orElseThrow())).containsExactly(8L, 9L);
        assertThat(reads).as("one read for both streams").hasValue(1);
        assertThat(tail.after(3, () -> newer(tail))).as("behind the tail: reads itself").isEmpty();
    }

    @Test
    void aFullTailDropsItsOldestAndSendsStreamsBehindThemToTheLog() throws Exception {
        ProgressStream.Tail tail = new ProgressStream.Tail();
        tail.after(0, () -> newer(tail));
        append(1, ProgressStream.Tail.CAPACITY + 10);
        Thread.sleep(300);
        List<Long> got = ids(tail.after(0, () -> newer(tail)).orElseThrow()); // one read brings CAPACITY reports
        assertThat(got).containsExactlyElementsOf(LongStream.rangeClosed(1, ProgressStream.Tail.CAPACITY).boxed().toList());
        Thread.sleep(300);
        List<Long> rest = ids(tail.after(ProgressStream.Tail.CAPACITY, () -> newer(tail)).orElseThrow());
        assertThat(rest).containsExactlyElementsOf(LongStream.rangeClosed(ProgressStream.Tail.CAPACITY + 1L,
                ProgressStream.Tail.CAPACITY + 10L).boxed().toList());
        assertThat(tail.after(5, () -> newer(tail))).as("its reports were dropped").isEmpty();
    }

    private List<ProgressEntry> newer(ProgressStream.Tail tail) {
        reads.incrementAndGet();
        return log.stream().filter(e -> e.id > tail.to()).limit(ProgressStream.Tail.CAPACITY).toList();
    }

    private void append(long first, long last) {
        for (long id = first; id <= last; id++) {
            ProgressEntry e = new ProgressEntry();
            e.id = id;
            e.experimentId = "x";
            e.payload = "{}";
            log.add(e);
        }
    }

    private static List<Long> ids(List<ProgressEntry> entries) {
        return entries.stream().map(e -> e.id).toList();
    }
}
