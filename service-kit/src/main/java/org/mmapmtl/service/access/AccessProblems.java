package org.mmapmtl.service.access;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import org.mmapmtl.service.Problem;
import org.mmapmtl.service.ProblemMappers;

import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * 401 and 403 as {@code application/problem+json} that say what is missing and how to get it. Authentication is lazy
 * ({@code quarkus.http.auth.proactive=false}), so a refused token reaches these mappers instead of an empty 401.
 */
public final class AccessProblems {
    /** Where a browser keeps its token (the eval service's {@code /login} sets it). */
    public static final String COOKIE = "mmap-token";
    static final String HOW = "send 'Authorization: Bearer <token>' (or the " + COOKIE + " cookie); on the local stack "
            + "./mmap prints and uses its token (.mmap/stack/auth/cli-token), on a cluster your identity provider issues it";

    private AccessProblems() {
    }

    /**
     * A browser (it asks for HTML, as when it opens the dashboard) gets a page that says the same; any other client
     * the problem+json.
     */
    static Response problem(Response.Status status, String detail, UriInfo uri, HttpHeaders headers) {
        boolean browser = headers != null && headers.getAcceptableMediaTypes().stream()
                .findFirst().map(t -> t.isCompatible(jakarta.ws.rs.core.MediaType.TEXT_HTML_TYPE) && !t.isWildcardType())
                .orElse(false);
        if (!browser) {
            return problem(status, detail, uri);
        }
        String page = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + status.getStatusCode()
                + " " + status.getReasonPhrase() + "</title></head><body><h1>" + (status == Response.Status.UNAUTHORIZED
                ? "Not signed in" : "Not allowed") + "</h1><p>" + escape(detail) + "</p>"
                + (status == Response.Status.UNAUTHORIZED ? "<p>On the local stack, open the dashboard link that "
                + "<code>./mmap up</code> or <code>./mmap demo</code> prints: it signs this browser in.</p>" : "")
                + "</body></html>";
        Response.ResponseBuilder r = Response.status(status).type(jakarta.ws.rs.core.MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                .entity(page);
        return (status == Response.Status.UNAUTHORIZED ? r.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer") : r).build();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static Response problem(Response.Status status, String detail, UriInfo uri) {
        Response r = ProblemMappers.respond(Problem.of(status, detail), uri);
        return status == Response.Status.UNAUTHORIZED
                ? Response.fromResponse(r).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build() : r;
    }

    /** The roles that the matched endpoint asks for, from its {@code @RolesAllowed} (method first, then class). */
    static List<String> required(ResourceInfo resource) {
        if (resource == null || resource.getResourceMethod() == null) {
            return List.of();
        }
        RolesAllowed allowed = resource.getResourceMethod().getAnnotation(RolesAllowed.class);
        if (allowed == null) {
            allowed = resource.getResourceClass().getAnnotation(RolesAllowed.class);
        }
        return allowed == null ? List.of() : Arrays.asList(allowed.value());
    }

    static String needs(ResourceInfo resource) {
        List<String> roles = required(resource);
        return roles.isEmpty() ? "a signed-in caller" : "role " + String.join(" or ", roles);
    }

    @Provider
    public static class Unauthorized implements ExceptionMapper<UnauthorizedException> {
        @Context
        UriInfo uri;
        @Context
        ResourceInfo resource;
        @Context
        HttpHeaders headers;

        @Override
        public Response toResponse(UnauthorizedException e) {
            return problem(Response.Status.UNAUTHORIZED, "no bearer token: this endpoint needs " + needs(resource)
                    + "; " + HOW, uri, headers);
        }
    }

    @Provider
    public static class Refused implements ExceptionMapper<AuthenticationFailedException> {
        @Context
        UriInfo uri;
        @Context
        HttpHeaders headers;

        @Override
        public Response toResponse(AuthenticationFailedException e) {
            return problem(Response.Status.UNAUTHORIZED, "the bearer token was refused: it has expired, is not signed by "
                    + "the key this service trusts (mp.jwt.verify.publickey.location) or names another issuer "
                    + "(mp.jwt.verify.issuer); get a new one: " + HOW, uri, headers);
        }
    }

    @Provider
    public static class Forbidden implements ExceptionMapper<ForbiddenException> {
        @Context
        UriInfo uri;
        @Context
        ResourceInfo resource;
        @Inject
        SecurityIdentity identity;
        @Context
        HttpHeaders headers;

        @Override
        public Response toResponse(ForbiddenException e) {
            if (e.getMessage() != null && !e.getMessage().isBlank()) {
                return problem(Response.Status.FORBIDDEN, e.getMessage(), uri, headers);
            }
            return problem(Response.Status.FORBIDDEN, "'" + identity.getPrincipal().getName() + "' has roles "
                    + new TreeSet<>(identity.getRoles()) + "; this endpoint needs " + needs(resource)
                    + " (viewer < researcher < admin, docs/security.md)", uri, headers);
        }
    }
}
