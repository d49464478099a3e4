package org.mmapmtl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Talks to a service's REST API for the CLI. What goes wrong becomes one {@link Failure} line naming what to do:
 * nothing listening, or the service's problem+json (with each bad field on its own line).
 */
final class ServiceClient {
    static final ObjectMapper JSON = new ObjectMapper();

    /** A failure to show the user as is, no stack trace, with the {@link ExitCodes exit code} for its kind. */
    static final class Failure extends RuntimeException {
        final int exitCode;

        Failure(String message) {
            this(message, ExitCodes.FAILED);
        }

        Failure(String message, int exitCode) {
            super(message);
            this.exitCode = exitCode;
        }
    }

    private final String base;
    private final String service;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * A client with the caller's token: {@code MMAP_TOKEN}, or else the one {@code ./mmap up} keeps in
     * {@code .mmap/stack/auth/cli-token}.
     *
     * @param service the service's name and how it is started, for the message when nothing listens
     */
    ServiceClient(String base, String service) {
        this(base, service, callersToken());
    }

    /** @param token the bearer token to send, or null to send none */
    ServiceClient(String base, String service, String token) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.service = service;
        this.token = token;
    }

    /** {@code MMAP_TOKEN}, or the token of the local stack in this checkout's {@code .mmap}, or null. */
    static String callersToken() {
        String set = System.getenv("MMAP_TOKEN");
        if (set != null && !set.isBlank()) {
            return set.strip();
        }
        return org.mmapmtl.localstack.LocalAuth.cliToken(
                java.nio.file.Path.of(System.getProperty("mmap.home", ".")).resolve(".mmap").resolve("stack"));
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri(path));
        return token == null ? builder : builder.header("Authorization", "Bearer " + token);
    }

    JsonNode get(String path) {
        return json(send(request(path).header("Accept", "application/json").GET().build()));
    }

    String getText(String path, String accept) {
        return send(request(path).header("Accept", accept).GET().build()).body();
    }

    JsonNode post(String path, byte[] body, String contentType) {
        return json(send(request(path).header("Content-Type", contentType)
                .header("Accept", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build()));
    }

    JsonNode delete(String path) {
        return json(send(request(path).header("Accept", "application/json").DELETE().build()));
    }

    /** Reads a server-sent event stream until it ends, handing each event's data to {@code onData}. */
    void events(String path, Consumer<String> onData) {
        HttpRequest request = request(path).header("Accept", "text/event-stream").GET().build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted");
        }
        if (response.statusCode() >= 400) {
            try (InputStream in = response.body()) {
                throw problem(response.statusCode(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new Failure(service + " answered " + response.statusCode(), ExitCodes.ofStatus(response.statusCode()));
            }
        }
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.startsWith("data:")) {
                    onData.accept(line.substring(5).trim());
                }
            }
        } catch (IOException e) {
            throw new Failure("the event stream of " + base + path + " broke off: " + e.getMessage());
        }
    }

    private URI uri(String path) {
        try {
            return URI.create(base + path);
        } catch (IllegalArgumentException e) {
            throw new Failure("'" + base + path + "' is not a URL: " + e.getMessage(), ExitCodes.USAGE);
        }
    }

    private HttpResponse<String> send(HttpRequest request) {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted");
        }
        if (response.statusCode() >= 400) {
            throw problem(response.statusCode(), response.body());
        }
        return response;
    }

    private Failure unreachable(IOException e) {
        if (e instanceof ConnectException || e instanceof HttpConnectTimeoutException) {
            return new Failure("nothing is listening at " + base + ": start the services with ./mmap up, or point at "
                    + service, ExitCodes.UNAVAILABLE);
        }
        return new Failure(base + " did not answer: " + e, ExitCodes.UNAVAILABLE);
    }

    /** The service's problem+json as lines: the detail, then each bad field. */
    static Failure problem(int status, String body) {
        try {
            JsonNode p = JSON.readTree(body);
            StringBuilder b = new StringBuilder().append(p.path("title").asText("HTTP " + status)).append(" (")
                    .append(status).append("): ").append(p.path("detail").asText(""));
            for (JsonNode e : p.path("errors")) {
                b.append("\n  ").append(e.path("field").asText()).append(": ").append(e.path("message").asText());
            }
            return new Failure(b.toString(), ExitCodes.ofStatus(status));
        } catch (IOException e) {
            return new Failure("HTTP " + status + ": " + body, ExitCodes.ofStatus(status));
        }
    }

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new Failure("the answer is not JSON: " + e.getMessage());
        }
    }
}
