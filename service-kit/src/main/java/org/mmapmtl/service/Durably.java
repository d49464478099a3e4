package org.mmapmtl.service;

import org.jboss.logging.Logger;

/**
 * Runs a transaction that long work depends on (a run's checkpoint record, its outcome) and tries it again while the
 * database is away (a restart, a lost connection: what {@link DatabaseUnavailable} recognises), so that a database
 * restart delays the work instead of failing it. Any other failure is not retried.
 */
public final class Durably {
    private static final Logger LOG = Logger.getLogger(Durably.class);
    /** 15 attempts 2 s apart: half a minute, longer than a PostgreSQL restart or a fail-over */
    static final int ATTEMPTS = 15;
    static final long PAUSE_MS = 2000;

    private Durably() {
    }

    /**
     * @param what        the transaction in words, for the log ("recording checkpoint epoch 3 of run x")
     * @param transaction the transaction (it begins and commits its own)
     */
    public static void run(String what, Runnable transaction) {
        run(what, transaction, ATTEMPTS, PAUSE_MS);
    }

    static void run(String what, Runnable transaction, int attempts, long pauseMs) {
        for (int attempt = 1; ; attempt++) {
            try {
                transaction.run();
                return;
            } catch (RuntimeException e) {
                String database = DatabaseUnavailable.describe(e);
                if (database == null || attempt >= attempts) {
                    throw e;
                }
                LOG.warnf("%s failed (attempt %d of %d, trying again in %d ms): %s", what, attempt, attempts, pauseMs,
                        database);
                try {
                    Thread.sleep(pauseMs);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
