package org.mmapmtl.service;

import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A failure that is the database's rather than the work's, anywhere among the causes and suppressed exceptions (a
 * failed commit carries the flush's error as a suppressed one): a lost or refused connection (SQLState class 08), a
 * server shutting down or starting up (57P), too many connections (53300) or a full disk (53100), a serialization
 * failure or deadlock (40001, 40P01), a lock not available (55P03), or no pooled connection within the pool's timeout.
 * A commit that the transaction manager reports rolled back with no cause at all is counted too: the connection ended
 * during the commit itself (Narayana logs the driver's error, "terminating connection due to administrator command",
 * and throws a bare RollbackException), while a failure of the work inside the transaction comes with its cause.
 * Out of memory (53200) is left out: one oversized transaction can cause it, and retrying that would never end. Such work
 * is good and is tried again: REST answers 503 with Retry-After, and Kafka intakes retry the record instead of sending
 * it to the dead-letter topic, which is for records that can never be stored.
 */
public final class DatabaseUnavailable implements Predicate<Throwable> {

    @Override
    public boolean test(Throwable failure) {
        return describe(failure) != null;
    }

    /** What the database said, or null when the failure is something else. */
    public static String describe(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Throwable> todo = new ArrayDeque<>();
        if (failure != null) {
            todo.add(failure);
        }
        while (!todo.isEmpty()) {
            Throwable t = todo.poll();
            if (!seen.add(t)) {
                continue;
            }
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (state != null && (state.startsWith("08") || state.startsWith("57P") || state.equals("53300")
                        || state.equals("53100") || state.equals("40001") || state.equals("40P01")
                        || state.equals("55P03"))) {
                    return "SQLState " + state + ": " + sql.getMessage();
                }
                if (state == null && (sql.getCause() instanceof TimeoutException || String.valueOf(sql.getMessage())
                        .toLowerCase(java.util.Locale.ROOT).contains("acquisition timeout"))) {
                    // the pool's timeouts (Agroal): no new connection answered, or none came back to a full pool
                    return "no database connection in time: " + sql.getMessage();
                }
            }
            if (t instanceof jakarta.transaction.RollbackException && t.getCause() == null
                    && t.getSuppressed().length == 0) {
                return "the commit did not complete, the connection ended during it: " + t.getMessage();
            }
            if (t.getCause() != null) {
                todo.add(t.getCause());
            }
            Collections.addAll(todo, t.getSuppressed());
        }
        return null;
    }
}
