package org.mmapmtl.service;

import org.junit.jupiter.api.Test;

import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;

class ProblemMappersTest {

    @Test
    void aLostDatabaseConnectionIsAServiceUnavailableNotABug() {
        // as Hibernate wraps what the PostgreSQL driver throws while the server restarts
        RuntimeException closed = new IllegalStateException("JDBC exception executing SQL",
                new SQLException("This connection has been closed.", "08003"));
        assertThat(ProblemMappers.lostDatabase(closed)).contains("08003").contains("has been closed");
        assertThat(ProblemMappers.lostDatabase(new RuntimeException(new SQLException("terminating connection due to"
                + " administrator command", "57P01")))).contains("57P01");
        assertThat(ProblemMappers.lostDatabase(new RuntimeException(new SQLException("duplicate key", "23505")))).isNull();
        assertThat(ProblemMappers.lostDatabase(new NullPointerException())).isNull();
    }
}
