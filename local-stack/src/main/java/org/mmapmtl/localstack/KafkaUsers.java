package org.mmapmtl.localstack;

import org.mmapmtl.events.KafkaPrincipal;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The local broker's users and their passwords: the stack's own administrator (a super user, for provisioning and
 * tests) and one user per service ({@link KafkaPrincipal}). Made once per data folder and kept beside the broker's
 * logs, readable by the owner only, so that a restarted stack and the services it launches agree (a temporary stack's
 * folder, file included, is deleted when it closes).
 */
public final class KafkaUsers {
    public static final String ADMIN = "mmap-admin";
    public static final String MECHANISM = "SCRAM-SHA-512";

    private final Map<String, String> passwords;

    private KafkaUsers(Map<String, String> passwords) {
        this.passwords = Map.copyOf(passwords);
    }

    static KafkaUsers generate() {
        SecureRandom random = new SecureRandom();
        Map<String, String> passwords = new LinkedHashMap<>();
        passwords.put(ADMIN, secret(random));
        for (KafkaPrincipal p : KafkaPrincipal.values()) {
            passwords.put(p.user(), secret(random));
        }
        return new KafkaUsers(passwords);
    }

    /** The users kept in {@code file}, or null when there is no such file (a stack from before users existed). */
    static KafkaUsers read(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the local broker's users from " + file, e);
        }
        Map<String, String> passwords = new LinkedHashMap<>();
        props.stringPropertyNames().forEach(u -> passwords.put(u, props.getProperty(u)));
        KafkaUsers users = new KafkaUsers(passwords);
        users.password(ADMIN);
        for (KafkaPrincipal p : KafkaPrincipal.values()) {
            users.password(p.user());
        }
        return users;
    }

    void write(Path file) {
        Properties props = new Properties();
        props.putAll(passwords);
        try {
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (Writer out = Files.newBufferedWriter(file)) {
                props.store(out, "the local broker's users (SCRAM-SHA-512); delete the stack's folder to make new ones");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the local broker's users to " + file, e);
        }
    }

    public String password(String user) {
        String password = passwords.get(user);
        if (password == null) {
            throw new IllegalStateException("the local broker has no user " + user + " (it has " + passwords.keySet()
                    + "); delete the stack's folder (./mmap up --fresh) to make them again");
        }
        return password;
    }

    Map<String, String> all() {
        return passwords;
    }

    /** The client settings that authenticate as {@code user}. */
    public Map<String, String> clientSettings(String user) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("security.protocol", "SASL_PLAINTEXT");
        settings.put("sasl.mechanism", MECHANISM);
        settings.put("sasl.jaas.config", jaas("org.apache.kafka.common.security.scram.ScramLoginModule", user, password(user)));
        return settings;
    }

    static String jaas(String module, String user, String password) {
        return module + " required username=\"" + user + "\" password=\"" + password + "\";";
    }

    private static String secret(SecureRandom random) {
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
