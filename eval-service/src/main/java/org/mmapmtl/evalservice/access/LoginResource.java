package org.mmapmtl.evalservice.access;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import org.mmapmtl.service.Problem;
import org.mmapmtl.service.access.AccessProblems;

import java.net.URI;
import java.util.List;

/**
 * Lets a browser use the dashboard with a token: {@code /login?token=...&next=/?experiment=...} keeps the token in an
 * HTTP-only, same-site cookie (which the services read as they read the Authorization header) and goes on to
 * {@code next}, a path on this service. The token is checked by the next page, as any request's.
 */
@Path("/login")
public class LoginResource {
    @GET
    @PermitAll
    public Response login(@QueryParam("token") String token, @QueryParam("next") String next) {
        if (token == null || token.isBlank()) {
            throw Problem.badRequest("no token: open /login?token=<your bearer token>", List.of(
                    new Problem.FieldError("token", "missing")));
        }
        // only a path on this service, so that a link cannot send the browser elsewhere
        String target = next != null && next.startsWith("/") && !next.startsWith("//") ? next : "/";
        NewCookie cookie = new NewCookie.Builder(AccessProblems.COOKIE).value(token.strip()).path("/").httpOnly(true)
                .sameSite(NewCookie.SameSite.STRICT).build();
        return Response.seeOther(URI.create(target)).cookie(cookie).build();
    }
}
