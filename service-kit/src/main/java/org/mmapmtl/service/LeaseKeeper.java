package org.mmapmtl.service;

import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Keeps the leases of long work alive (a trainer's run, an evaluator's checkpoint): while the work runs, its lease is
 * renewed every third of its length on one daemon thread, so it lapses only when this process stops renewing it (it
 * died, or hangs); another instance then takes the work over. A renewal that fails (the database away) is logged and
 * tried at the next tick: the lease's length is the margin for that.
 */
public final class LeaseKeeper implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LeaseKeeper.class);

    private final ScheduledExecutorService ticks;

    /** @param threadName the renewing thread's name, as thread dumps show it */
    public LeaseKeeper(String threadName) {
        ticks = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Renews a lease until the returned handle is closed.
     *
     * @param what  the work, for the log ("run x")
     * @param lease the lease's length
     * @param renew renews it in the database; false when the lease is no longer this instance's
     * @param lost  called (on the renewing thread) each time {@code renew} says the lease was lost
     */
    public Renewal keep(String what, Duration lease, BooleanSupplier renew, Runnable lost) {
        long period = Math.max(1000, lease.toMillis() / 3);
        ScheduledFuture<?> renewal = ticks.scheduleAtFixedRate(() -> {
            try {
                if (!renew.getAsBoolean()) {
                    lost.run();
                }
            } catch (RuntimeException e) {
                LOG.warnf("lease of %s not renewed: %s", what, e.getMessage());
            }
        }, period, period, TimeUnit.MILLISECONDS);
        return () -> renewal.cancel(false);
    }

    /** A lease being renewed; closing it stops the renewals (the lease then lapses unless released). */
    public interface Renewal extends AutoCloseable {
        @Override
        void close();
    }

    @Override
    public void close() {
        ticks.shutdownNow();
    }
}
