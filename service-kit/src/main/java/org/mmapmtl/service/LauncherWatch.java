package org.mmapmtl.service;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.Optional;

/**
 * Stops the service when the process that launched it is gone ({@code MMAP_PARENT_PID}, set by {@code ./mmap up} and
 * {@code ./mmap demo}). A launcher killed with SIGKILL cannot stop its children; without this they would keep their
 * ports and keep writing the logs that the next {@code ./mmap up} opens again. Unset (a cluster, a manual start):
 * nothing is watched.
 */
@ApplicationScoped
public class LauncherWatch {
    public static final String PARENT_PID = "MMAP_PARENT_PID";
    private static final Logger LOG = Logger.getLogger(LauncherWatch.class);

    void onStart(@Observes StartupEvent start) {
        String value = System.getenv(PARENT_PID);
        if (value == null || value.isBlank()) {
            return;
        }
        long pid;
        try {
            pid = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            LOG.warnf("%s='%s' is not a process id; not watching the launcher", PARENT_PID, value);
            return;
        }
        Optional<ProcessHandle> launcher = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (launcher.isEmpty()) {
            LOG.errorf("the process that launched this service (pid %d) is already gone: stopping", pid);
            Quarkus.asyncExit(1);
            return;
        }
        launcher.get().onExit().thenRun(() -> {
            LOG.errorf("the process that launched this service (pid %d) is gone: stopping", pid);
            Quarkus.asyncExit(1);
        });
    }
}
