package org.mmapmtl.localstack;

import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.lang.JoseException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/**
 * The local stack's identity provider, for a laptop: an RSA key made once per state folder ({@code auth/signing-key.pem},
 * readable by its owner only; {@code auth/public-key.pem} is what the services trust) and the tokens it signs. The
 * CLI's own token ({@code auth/cli-token}, also owner-only) is an admin's, renewed while the stack starts. A cluster
 * uses its identity provider instead (docs/security.md).
 */
public final class LocalAuth {
    /** The issuer the services expect by default ({@code mp.jwt.verify.issuer}). */
    public static final String ISSUER = "mmap-local";
    /** How long the CLI's token lasts; each start of the stack writes a new one. */
    public static final Duration CLI_TOKEN_LIFETIME = Duration.ofDays(30);
    private static final String OWNER_ONLY = "rw-------";

    private final Path dir;
    private final PrivateKey signingKey;

    private LocalAuth(Path dir, PrivateKey signingKey) {
        this.dir = dir;
        this.signingKey = signingKey;
    }

    /** The key of the stack in {@code stateDir}, made on first use. */
    public static LocalAuth in(Path stateDir) {
        Path dir = stateDir.resolve("auth");
        Path secret = dir.resolve("signing-key.pem");
        try {
            Files.createDirectories(dir);
            if (!Files.exists(secret) || !Files.exists(dir.resolve("public-key.pem"))) {
                KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
                generator.initialize(2048);
                KeyPair pair = generator.generateKeyPair();
                writeOwnerOnly(secret, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
                Files.writeString(dir.resolve("public-key.pem"), pem("PUBLIC KEY", pair.getPublic().getEncoded()));
            }
            String text = Files.readString(secret);
            byte[] der = Base64.getMimeDecoder().decode(text.replaceAll("-----[A-Z ]+-----", "").strip());
            return new LocalAuth(dir, KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the local stack's signing key in " + dir + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException(secret + " is not an RSA private key in PEM (PKCS#8); delete " + dir
                    + " and start again to make a new key (tokens signed with the old one stop working)", e);
        }
    }

    /** What the services verify tokens with: {@code MMAP_AUTH_PUBLIC_KEY}. */
    public Path publicKey() {
        return dir.resolve("public-key.pem");
    }

    /** Where the CLI's token is kept. */
    public Path cliTokenFile() {
        return dir.resolve("cli-token");
    }

    /** A token for {@code subject} with {@code roles} (viewer, researcher, admin), valid for {@code lifetime}. */
    public String token(String subject, Duration lifetime, String... roles) {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(ISSUER);
        claims.setSubject(subject);
        claims.setClaim("upn", subject);
        claims.setStringListClaim("groups", List.of(roles));
        claims.setIssuedAtToNow();
        claims.setExpirationTime(org.jose4j.jwt.NumericDate.fromSeconds(Instant.now().plus(lifetime).getEpochSecond()));
        claims.setGeneratedJwtId();
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(signingKey);
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.setHeader("typ", "JWT");
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException("cannot sign a token: " + e.getMessage(), e);
        }
    }

    /** Writes a fresh admin token for the person at this machine to {@link #cliTokenFile()} and returns it. */
    public String renewCliToken() {
        String token = token(System.getProperty("user.name", "local-user"), CLI_TOKEN_LIFETIME, "admin");
        try {
            Path next = dir.resolve("cli-token.new");
            Files.deleteIfExists(next);
            writeOwnerOnly(next, token + "\n");
            Files.move(next, cliTokenFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + cliTokenFile() + ": " + e.getMessage(), e);
        }
        return token;
    }

    /** The CLI's token from the stack in {@code stateDir}, or null when that stack has made none. */
    public static String cliToken(Path stateDir) {
        Path file = stateDir.resolve("auth").resolve("cli-token");
        try {
            return Files.isReadable(file) ? Files.readString(file, StandardCharsets.UTF_8).strip() : null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writeOwnerOnly(Path file, String text) throws IOException {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(OWNER_ONLY)));
        Files.writeString(file, text);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
