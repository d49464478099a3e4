package org.mmapmtl.service.access;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.Set;

/**
 * Gives each caller the roles their token's roles imply ({@link Roles#implied}). With {@code mmap.auth.enabled=false}
 * (a laptop's {@code --no-auth}) a caller without a token is the {@link #LOCAL_USER} with every role, and the service
 * says so loudly at start; a token that is sent is still checked.
 */
@ApplicationScoped
public class RoleHierarchy implements SecurityIdentityAugmentor {
    /** Who a caller without a token is when authentication is off. */
    public static final String LOCAL_USER = "local-user";
    private static final Logger LOG = Logger.getLogger(RoleHierarchy.class);

    @ConfigProperty(name = "mmap.auth.enabled", defaultValue = "true")
    boolean enabled;

    @ConfigProperty(name = "mmap.auth.public-key")
    java.util.Optional<String> key;

    void warnWhenOff(@Observes StartupEvent started) {
        if (key.isEmpty()) {
            LOG.warn("no key to verify tokens with (MMAP_AUTH_PUBLIC_KEY: a PEM file or an identity provider's JWKS URL):"
                    + " every bearer token will be refused" + (enabled ? "" : "; callers without one have every role"));
        }
        if (!enabled) {
            LOG.warn("AUTHENTICATION IS OFF (mmap.auth.enabled=false, MMAP_AUTH_ENABLED): anyone who reaches this "
                    + "service's HTTP port can submit, cancel and read everything. Only for a laptop, never on a network.");
        }
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous()) {
            if (enabled) {
                return Uni.createFrom().item(identity);
            }
            return Uni.createFrom().item(QuarkusSecurityIdentity.builder()
                    .setPrincipal(new QuarkusPrincipal(LOCAL_USER)).addRoles(Set.copyOf(Roles.ALL)).build());
        }
        Set<String> roles = Roles.implied(identity.getRoles());
        if (roles.equals(identity.getRoles())) {
            return Uni.createFrom().item(identity);
        }
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder(identity).addRoles(roles).build());
    }
}
