package org.mmapmtl.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class OpProfileTest {

    @Test
    void anOpsSelfTimeLeavesOutTheOpsItCalled(@TempDir Path dir) throws Exception {
        // Thread 1: linear (100 µs) calls addmm (60 µs), which calls copy_ (10 µs); then a lone addmm (30 µs).
        // Thread 2: linear and its addmm start at the same microsecond.
        Path trace = dir.resolve("trace.json");
        Files.writeString(trace, """
                [
                {"name": "aten::addmm", "ph": "X", "ts": 20, "dur": 60, "tid": 1},
                {"name": "aten::linear", "ph": "X", "ts": 10, "dur": 100, "tid": 1},
                {"name": "aten::copy_", "ph": "X", "ts": 30, "dur": 10, "tid": 1},
                {"name": "aten::addmm", "ph": "X", "ts": 200, "dur": 30, "tid": 1},
                {"name": "aten::addmm", "ph": "X", "ts": 5, "dur": 50, "tid": 2},
                {"name": "aten::linear", "ph": "X", "ts": 5, "dur": 70, "tid": 2}
                ]
                """);
        List<OpProfile.Op> ops = OpProfile.read(trace);
        Map<String, OpProfile.Op> byName = ops.stream().collect(Collectors.toMap(OpProfile.Op::name, o -> o));

        assertThat(byName.get("aten::addmm").selfMs()).isCloseTo((50 + 30 + 50) / 1e3, within(1e-9));
        assertThat(byName.get("aten::addmm").calls()).isEqualTo(3);
        assertThat(byName.get("aten::linear").selfMs()).isCloseTo((40 + 20) / 1e3, within(1e-9));
        assertThat(byName.get("aten::copy_").selfMs()).isCloseTo(10 / 1e3, within(1e-9));
        assertThat(ops.get(0).name()).isEqualTo("aten::addmm");
        // Self times add up to the outermost events' time: 100 + 30 on thread 1, 70 on thread 2.
        assertThat(ops.stream().mapToDouble(OpProfile.Op::selfMs).sum()).isCloseTo(200 / 1e3, within(1e-9));
        assertThat(ops.stream().mapToDouble(OpProfile.Op::share).sum()).isCloseTo(1.0, within(1e-9));
    }
}
