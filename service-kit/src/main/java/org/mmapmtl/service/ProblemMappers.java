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

    static Response respond(Problem p, UriInfo uri) {
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
            return respond(e.problem(), uri);
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
                // a body the JSON reader rejected: say where, not just "400"
                detail = "the request body is not the expected JSON: " + json.getOriginalMessage()
                        + (json.getLocation() == null ? "" : " (line " + json.getLocation().getLineNr()
                        + ", column " + json.getLocation().getColumnNr() + ")");
            }
            Problem p = new Problem("about:blank", type.getReasonPhrase(), type.getStatusCode(), detail, null, List.of());
            return respond(p, uri);
        }
    }

    /** A bug of ours: logged with its stack trace, answered without it. */
    @Provider
    public static class UnexpectedExceptionMapper implements ExceptionMapper<RuntimeException> {
        @Context
        UriInfo uri;

        @Override
        public Response toResponse(RuntimeException e) {
            LOG.error("unexpected error answering " + (uri == null ? "a request" : uri.getRequestUri()), e);
            return respond(Problem.of(Response.Status.INTERNAL_SERVER_ERROR,
                    "unexpected error: " + e.getClass().getSimpleName() + " (see the service log)"), uri);
        }
    }
}
