package org.mmapmtl.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for listeners that are chosen now and bound a moment later by someone else (a broker, a child process). A port
 * the kernel hands out for {@code bind(0)} comes from the ephemeral range, the same range it draws the source ports
 * of outgoing connections from: a service opening its Kafka and database connections while it starts can take the
 * very port it is about to listen on. So the port is drawn below that range (Linux's
 * {@code ip_local_port_range}, 32768–60999 by default) and checked free; where the range is unknown or leaves no room,
 * the kernel's pick is used.
 */
public final class FreePorts {
    private static final int LOWEST = 10_000;
    private static final int ATTEMPTS = 100;
    static final Path RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

    private FreePorts() {
    }

    /** A port free on the loopback interface now, outside the range of outgoing connections' source ports. */
    public static int any() {
        int below = ephemeralLow();
        if (below - LOWEST >= 1000) {
            for (int i = 0; i < ATTEMPTS; i++) {
                int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
                if (free(port)) {
                    return port;
                }
            }
        }
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    private static boolean free(int port) {
        // bound as the listener will be (all interfaces), so a port another process holds on any address is refused
        try (ServerSocket socket = new ServerSocket(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The first port of the kernel's ephemeral range, or 0 where it cannot be read. */
    static int ephemeralLow() {
        // read as a line: readAllBytes trusts the size procfs reports and returns only the first byte here
        try (java.io.BufferedReader in = Files.newBufferedReader(RANGE)) {
            String range = in.readLine();
            return range == null ? 0 : Integer.parseInt(range.trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
