package org.mmapmtl.testing;

import io.quarkus.test.junit.QuarkusTestProfile;
import org.mmapmtl.localstack.LocalAuth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;

/**
 * Tokens for the tests of who may do what: signed by a key made for this test JVM, which {@link AuthOn} makes the
 * service trust; {@link #foreign} signs with another key, which it does not.
 */
public final class TestIdentities {
    private static final LocalAuth TRUSTED = make();
    private static final LocalAuth FOREIGN = make();

    private TestIdentities() {
    }

    private static LocalAuth make() {
        try {
            Path dir = Files.createTempDirectory("mmap-test-auth");
            // a signing key per test JVM: removed when it ends, not left to pile up in the temporary folder
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try (var files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                } catch (IOException | UncheckedIOException ignored) {
                    // the JVM is ending; whatever is left is only a temporary folder
                }
            }, "mmap-test-auth-cleanup"));
            return LocalAuth.in(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A valid token of {@code user} with {@code roles}. */
    public static String token(String user, String... roles) {
        return TRUSTED.token(user, Duration.ofMinutes(30), roles);
    }

    /** A token that expired a minute ago. */
    public static String expired(String user, String... roles) {
        return TRUSTED.token(user, Duration.ofMinutes(-1), roles);
    }

    /** A well-formed token signed by a key the service does not trust. */
    public static String foreign(String user, String... roles) {
        return FOREIGN.token(user, Duration.ofMinutes(30), roles);
    }

    /** The service asks for tokens (as in production) and trusts {@link #token}'s key. */
    public static class AuthOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mmap.auth.enabled", "true", "mmap.auth.public-key", TRUSTED.publicKey().toString());
        }
    }
}
