package org.mmapmtl.service;

import org.junit.jupiter.api.Test;

import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;

class DatabaseUnavailableTest {

    @Test
    void aLostOrRefusedConnectionIsTheDatabasesFailureNotTheWorks() {
        // as Hibernate wraps what the PostgreSQL driver throws while the server restarts
        RuntimeException closed = new IllegalStateException("JDBC exception executing SQL",
                new SQLException("This connection has been closed.", "08003"));
        assertThat(DatabaseUnavailable.describe(closed)).contains("08003").contains("has been closed");
        assertThat(DatabaseUnavailable.describe(new RuntimeException(new SQLException("terminating connection due to"
                + " administrator command", "57P01")))).contains("57P01");
        assertThat(DatabaseUnavailable.describe(new RuntimeException(new SQLException("duplicate key", "23505")))).isNull();
        assertThat(DatabaseUnavailable.describe(new NullPointerException())).isNull();
        // what a consumer meets while the server is down or starting: refused (08001), starting up (57P03)
        assertThat(new DatabaseUnavailable().test(new RuntimeException(new SQLException("Connection refused", "08001"))))
                .isTrue();
        assertThat(new DatabaseUnavailable().test(new SQLException("the database system is starting up", "57P03"))).isTrue();
        assertThat(new DatabaseUnavailable().test(new IllegalArgumentException("record key differs"))).isFalse();
        // a commit that failed: the flush's error rides along as a suppressed exception
        RuntimeException rollback = new IllegalStateException("transaction rolled back");
        rollback.addSuppressed(new RuntimeException(new SQLException("I/O error", "08006")));
        assertThat(DatabaseUnavailable.describe(rollback)).contains("08006");
        // the connection ended during the commit itself: Narayana throws a bare RollbackException (seen on a restart)
        assertThat(DatabaseUnavailable.describe(new IllegalStateException(
                new jakarta.transaction.RollbackException("ARJUNA016053: Could not commit transaction."))))
                .contains("commit did not complete");
        var workFailed = new jakarta.transaction.RollbackException("ARJUNA016053: Could not commit transaction.");
        workFailed.addSuppressed(new IllegalArgumentException("value too long"));
        assertThat(DatabaseUnavailable.describe(workFailed)).as("a rollback that carries the work's own failure").isNull();
        // no connection from the pool in time (Agroal): no SQLState, a timeout as the cause
        assertThat(new DatabaseUnavailable().test(new SQLException("Acquisition timeout while waiting for new connection",
                null, new java.util.concurrent.TimeoutException()))).isTrue();
        assertThat(new DatabaseUnavailable().test(new SQLException("could not serialize access", "40001"))).isTrue();
        assertThat(new DatabaseUnavailable().test(new SQLException("too many connections", "53300"))).isTrue();
        assertThat(new DatabaseUnavailable().test(new SQLException("value too long", "22001"))).isFalse();
        assertThat(new DatabaseUnavailable().test(new SQLException("Sorry, acquisition timeout!"))).isTrue();
        assertThat(new DatabaseUnavailable().test(new SQLException("out of memory", "53200"))).isFalse();
    }
}
