package org.mmapmtl.bench;

import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a step's time goes, op by op, from libtorch's own profiler (the legacy CPU profiler DJL exposes): the trace it
 * writes (Chrome's trace format, one complete event per op call) and each op's self time, that is its time less the
 * time of the ops it called, so that {@code aten::linear} does not count its {@code aten::addmm} again.
 */
final class OpProfile {

    /** One op's share of the profiled work: calls, self milliseconds, and the fraction of all self time. */
    record Op(String name, long calls, double selfMs, double share) {
    }

    private OpProfile() {
    }

    /** Runs {@code work} with the profiler on and writes its trace to {@code trace}; returns the ops by self time. */
    static List<Op> of(Runnable work, Path trace) throws IOException {
        Files.createDirectories(trace.toAbsolutePath().getParent());
        JniUtils.startProfile(false, true, false); // with input shapes, to tell the towers apart
        try {
            work.run();
        } finally {
            JniUtils.stopProfile(trace.toAbsolutePath().toString());
        }
        return read(trace);
    }

    /** The ops of a trace by self time, largest first. */
    static List<Op> read(Path trace) throws IOException {
        JsonNode events = new ObjectMapper().readTree(trace.toFile());
        Map<Long, List<JsonNode>> byThread = new HashMap<>();
        for (JsonNode e : events) {
            if ("X".equals(e.path("ph").asText())) {
                byThread.computeIfAbsent(e.path("tid").asLong(), t -> new ArrayList<>()).add(e);
            }
        }
        Map<String, double[]> totals = new HashMap<>(); // name -> {calls, self µs}
        double all = 0;
        for (List<JsonNode> thread : byThread.values()) {
            // Outer events first: by start, and of two that start together the longer one.
            thread.sort(Comparator.<JsonNode>comparingDouble(e -> e.path("ts").asDouble())
                    .thenComparing(e -> -e.path("dur").asDouble()));
            Deque<double[]> open = new ArrayDeque<>(); // {end, self µs so far} of each enclosing event
            Deque<String> names = new ArrayDeque<>();
            for (JsonNode e : thread) {
                double start = e.path("ts").asDouble();
                double dur = e.path("dur").asDouble();
                while (!open.isEmpty() && open.peek()[0] <= start) {
                    all += close(open.pop(), names.pop(), totals);
                }
                if (!open.isEmpty()) {
                    open.peek()[1] -= dur; // the child's time is not its parent's own
                }
                open.push(new double[] {start + dur, dur});
                names.push(e.path("name").asText());
            }
            while (!open.isEmpty()) {
                all += close(open.pop(), names.pop(), totals);
            }
        }
        double sum = all;
        return totals.entrySet().stream()
                .map(t -> new Op(t.getKey(), (long) t.getValue()[0], t.getValue()[1] / 1e3,
                        sum > 0 ? t.getValue()[1] / sum : 0))
                .sorted(Comparator.comparingDouble(Op::selfMs).reversed())
                .toList();
    }

    private static double close(double[] event, String name, Map<String, double[]> totals) {
        double self = Math.max(0, event[1]);
        double[] t = totals.computeIfAbsent(name, n -> new double[2]);
        t[0]++;
        t[1] += self;
        return self;
    }
}
