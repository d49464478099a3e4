package org.mmapmtl.service;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.List;

/**
 * An RFC 9457 problem detail: what every 4xx/5xx of our services answers, as {@code application/problem+json}.
 *
 * @param errors one entry per bad field, for validation failures
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(String type, String title, int status, String detail, String instance, List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";

    /** @param field the JSON path of the bad field, e.g. {@code tasks[2]} */
    public record FieldError(String field, String message) {
    }

    public static Problem of(Response.Status status, String detail) {
        return new Problem("about:blank", status.getReasonPhrase(), status.getStatusCode(), detail, null, List.of());
    }

    public Response toResponse() {
        return Response.status(status).type(MediaType.valueOf(MEDIA_TYPE)).entity(this).build();
    }

    /** Answers 404 with a message naming what was looked for. */
    public static ProblemException notFound(String detail) {
        return new ProblemException(of(Response.Status.NOT_FOUND, detail));
    }

    /** Answers 503 (with Retry-After) for a momentary limit: the client should try again shortly. */
    public static ProblemException unavailable(String detail) {
        return new ProblemException(of(Response.Status.SERVICE_UNAVAILABLE, detail));
    }

    /** Answers 409: the request is valid but the resource's state refuses it (the detail says what it is in). */
    public static ProblemException conflict(String detail) {
        return new ProblemException(of(Response.Status.CONFLICT, detail));
    }

    public static ProblemException badRequest(String detail, List<FieldError> errors) {
        Problem p = of(Response.Status.BAD_REQUEST, detail);
        return new ProblemException(new Problem(p.type, p.title, p.status, detail, null, List.copyOf(errors)));
    }
}
