package org.mmapmtl.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import org.jboss.logging.Logger;

import java.util.List;

/** Turns every error a resource raises into {@code application/problem+json}, never an HTML page or a stack trace. */
public final class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    private ProblemMappers() {
    }

    /** what a 503 of ours asks the client to wait before trying again */
    static final int RETRY_AFTER_SECONDS = 2;

    /** The problem as this request's answer: its {@code instance} is the request's path. */
    public static Response respond(Problem p, UriInfo uri) {
        String instance = uri == null ? null : uri.getRequestUri().getPath();
        return new Problem(p.type(), p.title(), p.status(), p.detail(), instance, p.errors() == null ? List.of() : p.errors())
                .toResponse();
    }

    @Provider
    public static class ProblemExceptionMapper implements ExceptionMapper<ProblemException> {
        @Context
        UriInfo uri;

        @Override
        public Response toResponse(ProblemException e) {
            Response answer = respond(e.problem(), uri);
            // every 503 of ours is a momentary limit (streams, predictions, the database): say when to come back
            return e.problem().status() == 503
                    ? Response.fromResponse(answer).header("Retry-After", RETRY_AFTER_SECONDS).build() : answer;
        }
    }

    /** 404 for unknown paths, 405, 415, and bodies the JSON reader rejects. */
    @Provider
    public static class WebApplicationExceptionMapper implements ExceptionMapper<WebApplicationException> {
        @Context
        UriInfo uri;

        @Override
        public Response toResponse(WebApplicationException e) {
            Response.Status status = Response.Status.fromStatusCode(e.getResponse().getStatus());
            Response.StatusType type = status != null ? status : e.getResponse().getStatusInfo();
            String detail = e.getMessage() == null ? type.getReasonPhrase() : e.getMessage();
            if (e.getCause() instanceof JsonProcessingException json) {
                return unreadable(json, uri);
            }
            Problem p = new Problem("about:blank", type.getReasonPhrase(), type.getStatusCode(), detail, null, List.of());
            return respond(p, uri);
        }
    }

    /** A body the JSON reader rejected: 400 naming where it stopped, not just "400". */
    static Response unreadable(JsonProcessingException json, UriInfo uri) {
        return respond(unreadableProblem(json), uri);
    }

    static Problem unreadableProblem(JsonProcessingException json) {
        String message = json.getOriginalMessage() == null ? json.getClass().getSimpleName()
                : withoutOurClasses(json.getOriginalMessage());
        if (json instanceof com.fasterxml.jackson.databind.exc.PropertyBindingException unknown) {
            // Jackson's own words name our Java class; a client needs the field and the ones it may use
            message = "unknown field '" + unknown.getPropertyName() + "'" + (unknown.getKnownPropertyIds() == null
                    ? "" : "; known here: " + unknown.getKnownPropertyIds().stream().map(String::valueOf).sorted()
                    .collect(java.util.stream.Collectors.joining(", ")));
        }
        String detail = "the request body is not the expected JSON: " + (message.length() > 300
                ? message.substring(0, 300) + "…" : message)
                + (json.getLocation() == null ? "" : " (line " + json.getLocation().getLineNr()
                + ", column " + json.getLocation().getColumnNr() + ")");
        return new Problem("about:blank", "Bad Request", 400, detail, null, List.of(new Problem.FieldError(field(json), detail)));
    }

    private static final java.util.regex.Pattern TYPE_NAME = java.util.regex.Pattern.compile("`([^`]*)`");
    private static final java.util.regex.Pattern PACKAGES = java.util.regex.Pattern.compile("\\b(?:[a-z][a-z0-9_]*\\.)+(?=[A-Z])");

    /**
     * Jackson's words with the Java types it names (in backticks) as a client knows them: our own classes as a JSON
     * {@code object}, others without their packages ({@code java.lang.Integer} → Integer). Text the client sent is
     * quoted otherwise and left alone.
     */
    static String withoutOurClasses(String message) {
        return TYPE_NAME.matcher(message).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(
                m.group(1).contains("org.mmapmtl.") ? "`object`" : "`" + PACKAGES.matcher(m.group(1)).replaceAll("") + "`"));
    }

    /** Bodies the JSON reader rejects while parsing. */
    @Provider
    public static class JsonProcessingExceptionMapper implements ExceptionMapper<JsonProcessingException> {
        @Context
        UriInfo uri;

        @Override
        public Response toResponse(JsonProcessingException e) {
            return unreadable(e, uri);
        }
    }

    /** Values of the wrong type; this mapper takes the place of Quarkus's own, which answers with a bare object. */
    @Provider
    public static class MismatchedInputExceptionMapper
            implements ExceptionMapper<com.fasterxml.jackson.databind.exc.MismatchedInputException> {
        @Context
        UriInfo uri;

        @Override
        public Response toResponse(com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
            return unreadable(e, uri);
        }
    }

    /** The field a JSON reader stopped at, as the errors of a problem name fields ({@code affinity[0][1]}); "$": the body. */
    static String field(JsonProcessingException e) {
        if (!(e instanceof com.fasterxml.jackson.databind.JsonMappingException mapping) || mapping.getPath().isEmpty()) {
            return "$";
        }
        StringBuilder b = new StringBuilder();
        for (var ref : mapping.getPath()) {
            if (ref.getFieldName() != null) {
                b.append(b.length() == 0 ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                b.append('[').append(ref.getIndex()).append(']');
            }
        }
        return b.length() == 0 ? "$" : b.toString();
    }

    /** A bug of ours: logged with its stack trace, answered without it. */
    @Provider
    public static class UnexpectedExceptionMapper implements ExceptionMapper<RuntimeException> {
        @Context
        UriInfo uri;

        @Override
        public Response toResponse(RuntimeException e) {
            String lost = DatabaseUnavailable.describe(e);
            if (lost != null) {
                // the database is restarting, out of reach or busy: the client can retry as it would on a 503. The
                // server's own words stay in the log (with the trace: a deadlock may still be ours to fix)
                LOG.warn("database could not serve " + (uri == null ? "a request" : uri.getRequestUri()) + ": " + lost, e);
                return Response.fromResponse(respond(Problem.of(Response.Status.SERVICE_UNAVAILABLE,
                        "the database cannot serve this request now; retry shortly"), uri))
                        .header("Retry-After", RETRY_AFTER_SECONDS).build();
            }
            LOG.error("unexpected error answering " + (uri == null ? "a request" : uri.getRequestUri()), e);
            return respond(Problem.of(Response.Status.INTERNAL_SERVER_ERROR,
                    "unexpected error: " + e.getClass().getSimpleName() + " (see the service log)"), uri);
        }
    }
}
