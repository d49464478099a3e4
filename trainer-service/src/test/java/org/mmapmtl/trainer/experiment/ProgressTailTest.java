package org.mmapmtl.trainer.experiment;

import org.junit.jupiter.api.Test;
import org.mmapmtl.trainer.progress.ProgressEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reports of one experiment read once for all its streams: streams within the tail share each read, a stream
 * behind or ahead of it is told to read for itself, and no stream is ever given part of what it has not sent, even
 * when a read drops the tail's oldest reports.
 */
class ProgressTailTest {
    private static final int CAPACITY = ProgressStream.Tail.CAPACITY;
    private final List<ProgressEntry> log = new ArrayList<>();
    private final AtomicInteger reads = new AtomicInteger();
    private final ProgressStream.Tail tail = new ProgressStream.Tail();

    @Test
    void streamsWithinTheTailShareOneReadAndOthersReadThemselves() throws Exception {
        append(1, 5);
        assertThat(ids(tail.after(5, this::newer).orElseThrow())).isEmpty(); // the first stream starts the tail at 5
        append(6, 9);
        Thread.sleep(300); // a poll period later
        reads.set(0);
        assertThat(ids(tail.after(5, this::newer).orElseThrow())).containsExactly(6L, 7L, 8L, 9L);
        assertThat(ids(tail.after(7, this::newer).orElseThrow())).containsExactly(8L, 9L);
        assertThat(reads).as("one read for both streams").hasValue(1);
        assertThat(tail.after(3, this::newer)).as("behind the tail: reads itself").isEmpty();
        assertThat(tail.after(20, this::newer)).as("ahead of the tail: reads itself").isEmpty();
    }

    @Test
    void aReadThatDropsReportsAStreamHasNotSentSendsItToTheLog() throws Exception {
        tail.after(0, this::newer);
        append(1, CAPACITY + 10);
        Thread.sleep(300);
        // one read brings CAPACITY reports
        assertThat(ids(tail.after(0, this::newer).orElseThrow()))
                .containsExactlyElementsOf(LongStream.rangeClosed(1, CAPACITY).boxed().toList());
        Thread.sleep(300);
        // the next brings the other 10 and drops the 10 oldest
        assertThat(ids(tail.after(CAPACITY, this::newer).orElseThrow()))
                .containsExactlyElementsOf(LongStream.rangeClosed(CAPACITY + 1L, CAPACITY + 10L).boxed().toList());
        assertThat(tail.after(5, this::newer)).as("its reports were dropped").isEmpty();
        // a stream just inside the tail when a read drops the reports after it: all from the log, never a part
        append(CAPACITY + 11, CAPACITY + 15);
        Thread.sleep(300);
        assertThat(tail.after(12, this::newer)).as("13-15 were dropped by this very read").isEmpty();
        assertThat(ids(tail.after(15, this::newer).orElseThrow())).first().isEqualTo(16L);
    }

    private List<ProgressEntry> newer(long to) {
        reads.incrementAndGet();
        return log.stream().filter(e -> e.id > to).limit(CAPACITY).toList();
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
