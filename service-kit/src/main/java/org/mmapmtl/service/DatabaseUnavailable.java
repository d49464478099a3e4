package org.mmapmtl.service;

import java.sql.SQLException;
import java.util.function.Predicate;

/**
 * A failure that is the database's rather than the work's: a lost or refused connection (SQLState class 08) or a
 * server shutting down or starting up (57P) anywhere in the causes. Such work is good and is tried again once the
 * database is back: REST answers 503 with Retry-After, and Kafka intakes retry the record instead of sending it to
 * the dead-letter topic, which is for records that can never be stored.
 */
public final class DatabaseUnavailable implements Predicate<Throwable> {

    @Override
    public boolean test(Throwable failure) {
        return describe(failure) != null;
    }

    /** What the lost connection says, or null when the failure is something else. */
    public static String describe(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return "SQLState " + sql.getSQLState() + ": " + sql.getMessage();
            }
        }
        return null;
    }
}
