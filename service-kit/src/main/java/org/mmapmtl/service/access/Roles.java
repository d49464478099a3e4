package org.mmapmtl.service.access;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Who may do what, the same in every service: a {@link #VIEWER} reads (results, progress, the dashboard, predictions),
 * a {@link #RESEARCHER} also submits experiments and cancels their own, an {@link #ADMIN} also cancels anyone's and
 * asks the grouping service for work. Each role includes the ones below it, so a token needs to name only its highest.
 */
public final class Roles {
    public static final String VIEWER = "viewer";
    public static final String RESEARCHER = "researcher";
    public static final String ADMIN = "admin";
    /** From the lowest to the highest. */
    public static final List<String> ALL = List.of(VIEWER, RESEARCHER, ADMIN);

    private Roles() {
    }

    /** The roles a token's roles amount to: each one with every role below it. Unknown roles are kept as they are. */
    public static Set<String> implied(Set<String> granted) {
        Set<String> roles = new LinkedHashSet<>(granted);
        for (int i = ALL.size() - 1; i > 0; i--) {
            if (roles.contains(ALL.get(i))) {
                roles.add(ALL.get(i - 1));
            }
        }
        return roles;
    }
}
