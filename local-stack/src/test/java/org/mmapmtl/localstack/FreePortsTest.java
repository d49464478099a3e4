package org.mmapmtl.localstack;

import org.junit.jupiter.api.Test;

import java.net.ServerSocket;

import static org.assertj.core.api.Assertions.assertThat;

class FreePortsTest {
    @Test
    void aPortBelowTheRangeOfOutgoingConnectionsThatCanBeBound() throws Exception {
        int low = FreePorts.ephemeralLow();
        if (java.nio.file.Files.isReadable(FreePorts.RANGE)) {
            assertThat(low).as("the first port of %s", FreePorts.RANGE).isGreaterThan(1024);
        }
        for (int i = 0; i < 20; i++) {
            int port = FreePorts.any();
            if (low > 11_000) {
                // outgoing connections draw their source ports from [low, high]: a listener there can lose its port
                assertThat(port).isBetween(10_000, low - 1);
            }
            try (ServerSocket s = new ServerSocket(port)) {
                assertThat(s.getLocalPort()).isEqualTo(port);
            }
        }
    }
}
