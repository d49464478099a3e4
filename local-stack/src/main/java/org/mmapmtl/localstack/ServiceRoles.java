package org.mmapmtl.localstack;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The database's least-privilege layout: each service logs in as its own role ({@code mmap_trainer},
 * {@code mmap_grouping}, {@code mmap_eval}) that owns its schema and has no rights on the others'. The SQL is the
 * resource {@code service-roles.sql}, the one a cluster's database administrator runs too.
 */
public final class ServiceRoles {
    public static final String SQL_RESOURCE = "service-roles.sql";

    /** The services' schemas; each one's role is {@link #role(String)}. */
    public static final List<String> SCHEMAS = List.of("trainer", "grouping", "eval");

    private ServiceRoles() {
    }

    public static String role(String schema) {
        if (!SCHEMAS.contains(schema)) {
            throw new IllegalArgumentException("no service schema '" + schema + "' (there are " + SCHEMAS + ")");
        }
        return "mmap_" + schema;
    }

    /** The SQL that creates the roles and hands each its schema, as shipped. */
    public static String sql() {
        try (InputStream in = ServiceRoles.class.getResourceAsStream(SQL_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + SQL_RESOURCE + " is missing from the local-stack jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + SQL_RESOURCE, e);
        }
    }

    /** Runs {@link #sql()} as the data source's (super)user; safe to repeat. */
    public static void ensure(DataSource superuser) {
        try (Connection c = superuser.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the services' database roles: " + e.getMessage(), e);
        }
    }
}
