package org.mmapmtl.localstack;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each service's role on the local stack's real PostgreSQL: its own schema, and nothing of the others'. */
class ServiceRolesTest {
    private static LocalStack stack;

    @BeforeAll
    static void start() throws SQLException {
        stack = LocalStack.start(new LocalStack.Settings(0, 0, null, false));
        // what each service's Flyway migration does first, as the service's own role
        for (String schema : ServiceRoles.SCHEMAS) {
            try (Connection c = as(ServiceRoles.role(schema)); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE " + schema + ".probe (id bigserial PRIMARY KEY, note text)");
                s.execute("INSERT INTO " + schema + ".probe (note) VALUES ('written by " + schema + "')");
            }
        }
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static Connection as(String user) throws SQLException {
        return DriverManager.getConnection(stack.jdbcUrl(), user, "");
    }

    @Test
    void eachRoleOwnsItsSchemaAndReadsItsTables() throws SQLException {
        for (String schema : ServiceRoles.SCHEMAS) {
            try (Connection c = as(ServiceRoles.role(schema));
                 ResultSet rs = c.createStatement().executeQuery("SELECT note FROM " + schema + ".probe")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("written by " + schema);
            }
        }
    }

    @Test
    void theTrainersRoleCannotReadOrChangeTheEvalSchema() throws SQLException {
        try (Connection c = as("mmap_trainer"); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.executeQuery("SELECT note FROM eval.probe"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("permission denied for schema eval");
            assertThatThrownBy(() -> s.executeUpdate("DELETE FROM eval.probe"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("permission denied for schema eval");
            assertThatThrownBy(() -> s.execute("CREATE TABLE eval.forged (id int)"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("permission denied for schema eval");
        }
    }

    @Test
    void noServiceRoleReachesAnotherServicesSchemaOrCreatesInPublic() throws SQLException {
        for (String own : ServiceRoles.SCHEMAS) {
            try (Connection c = as(ServiceRoles.role(own)); Statement s = c.createStatement()) {
                for (String other : ServiceRoles.SCHEMAS) {
                    if (!other.equals(own)) {
                        assertThatThrownBy(() -> s.executeQuery("SELECT count(*) FROM " + other + ".probe"))
                                .as(own + " reading " + other).isInstanceOf(SQLException.class)
                                .hasMessageContaining("permission denied");
                    }
                }
                assertThatThrownBy(() -> s.execute("CREATE TABLE public.stray_" + own + " (id int)"))
                        .as(own + " creating in public").isInstanceOf(SQLException.class)
                        .hasMessageContaining("permission denied for schema public");
            }
        }
    }

    @Test
    void runningItAgainHandsOverWhatTheSuperuserCreatedBefore() throws SQLException {
        // a database from before the roles: the superuser made the service's tables
        try (Connection admin = DriverManager.getConnection(stack.jdbcUrl(), stack.databaseUser(), stack.databasePassword());
             Statement s = admin.createStatement()) {
            s.execute("CREATE TABLE grouping.legacy (id bigserial PRIMARY KEY)");
            s.execute("ALTER SCHEMA grouping OWNER TO postgres");
            ServiceRoles.ensure(new SingleConnection(stack));
            ServiceRoles.ensure(new SingleConnection(stack));
            try (ResultSet rs = s.executeQuery("SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c "
                    + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'grouping' "
                    + "AND c.relname LIKE 'legacy%' ORDER BY 1")) {
                int objects = 0;
                while (rs.next()) {
                    assertThat(rs.getString(2)).as(rs.getString(1)).isEqualTo("mmap_grouping");
                    objects++;
                }
                assertThat(objects).as("the table, its key's index and its sequence").isEqualTo(3);
            }
        }
        try (Connection c = as("mmap_grouping"); Statement s = c.createStatement()) {
            s.execute("INSERT INTO grouping.legacy DEFAULT VALUES");
            s.execute("DROP TABLE grouping.legacy");
        }
    }

    @Test
    void aManagedServersAdministratorWithoutSuperuserCanRunIt() throws Exception {
        // a server of its own, where the roles do not exist yet, as on a fresh managed database
        try (var server = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                .setPGStartupWait(java.time.Duration.ofSeconds(90)).start()) {
            try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE ROLE dba LOGIN CREATEROLE");
                s.execute("GRANT CREATE ON DATABASE postgres TO dba");
            }
            javax.sql.DataSource dba = server.getDatabase("dba", "postgres");
            ServiceRoles.ensure(dba);
            ServiceRoles.ensure(dba);
            try (Connection c = server.getDatabase("mmap_eval", "postgres").getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE eval.probe (id int)");
                assertThatThrownBy(() -> s.executeQuery("SELECT 1 FROM trainer.experiment"))
                        .isInstanceOf(SQLException.class).hasMessageContaining("permission denied for schema trainer");
            }
        }
    }

    /** The superuser's connections, as a DataSource for {@link ServiceRoles#ensure}. */
    private record SingleConnection(LocalStack stack) implements javax.sql.DataSource {
        @Override
        public Connection getConnection() throws SQLException {
            return DriverManager.getConnection(stack.jdbcUrl(), stack.databaseUser(), stack.databasePassword());
        }

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
            return DriverManager.getConnection(stack.jdbcUrl(), user, password);
        }

        @Override
        public java.io.PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(java.io.PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public java.util.logging.Logger getParentLogger() {
            return java.util.logging.Logger.getGlobal();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
