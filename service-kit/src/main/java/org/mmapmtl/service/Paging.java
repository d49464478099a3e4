package org.mmapmtl.service;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import java.util.ArrayList;
import java.util.List;

/**
 * One page of a listing, from {@code ?limit=&offset=}: a listing never answers more than the service's configured
 * maximum at once, whatever the client asks. The answer stays a JSON array; {@code X-Total-Count} and an RFC 8288
 * {@code Link} (rel next / prev) tell a client where the rest is.
 *
 * @param limit  items on this page
 * @param offset items skipped before it
 */
public record Paging(int limit, int offset) {

    /**
     * @param limitText    the requested page size as the query has it, or null for {@code defaultLimit}
     * @param offsetText   the requested start, or null for 0
     * @param defaultLimit the page size when none is asked for
     * @param maxLimit     the largest page the service answers
     * @throws ProblemException 400 naming {@code limit} or {@code offset} when not a whole number or out of range
     */
    public static Paging of(String limitText, String offsetText, int defaultLimit, int maxLimit) {
        List<Problem.FieldError> errors = new ArrayList<>();
        Integer limit = whole("limit", limitText, errors);
        Integer offset = whole("offset", offsetText, errors);
        if (limit != null && (limit < 1 || limit > maxLimit)) {
            errors.add(new Problem.FieldError("limit", "must be between 1 and " + maxLimit + " (the largest page this"
                    + " service answers), got " + limit + "; page with offset"));
        }
        if (offset != null && offset < 0) {
            errors.add(new Problem.FieldError("offset", "must be 0 or more, got " + offset));
        }
        if (!errors.isEmpty()) {
            throw Problem.badRequest("bad paging parameters", errors);
        }
        return new Paging(limit == null ? Math.min(defaultLimit, maxLimit) : limit, offset == null ? 0 : offset);
    }

    private static Integer whole(String field, String text, List<Problem.FieldError> errors) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Integer.valueOf(text.strip());
        } catch (NumberFormatException e) {
            errors.add(new Problem.FieldError(field, "must be a whole number, got '"
                    + text.substring(0, Math.min(40, text.length())) + "'"));
            return null;
        }
    }

    /** The page's items from a list of all of them. */
    public <T> List<T> of(List<T> all) {
        if (offset >= all.size()) {
            return List.of();
        }
        return all.subList(offset, (int) Math.min(all.size(), (long) offset + limit));
    }

    /** A 200 answer with the page as its entity and the total and links to the neighbouring pages as headers. */
    public Response response(List<?> page, long total, UriInfo uri) {
        return withHeaders(Response.ok(page), total, uri).build();
    }

    /**
     * The answer with {@code X-Total-Count} and the {@code Link}s to the neighbouring pages, for an answer whose entity
     * holds the page among other things (an experiment's results: its table and a page of its checkpoints).
     */
    public Response.ResponseBuilder withHeaders(Response.ResponseBuilder ok, long total, UriInfo uri) {
        ok.header("X-Total-Count", total);
        List<String> links = new ArrayList<>();
        if ((long) offset + limit < total) {
            links.add("<" + uri.getRequestUriBuilder().replaceQueryParam("offset", offset + limit)
                    .replaceQueryParam("limit", limit).build() + ">; rel=\"next\"");
        }
        if (offset > 0) {
            links.add("<" + uri.getRequestUriBuilder().replaceQueryParam("offset", Math.max(0, offset - limit))
                    .replaceQueryParam("limit", limit).build() + ">; rel=\"prev\"");
        }
        if (!links.isEmpty()) {
            ok.header("Link", String.join(", ", links));
        }
        return ok;
    }
}
