package org.mmapmtl.evalservice.dashboard;

import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Multi;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.mmapmtl.service.SharedPoll;

import java.time.Duration;

/**
 * The versions of the boards that the dashboard's change streams watch, read by one poll for all of them
 * ({@code mmap.dashboard.poll-every}, env MMAP_DASHBOARD_POLL_EVERY): hundreds of open browser tabs cost the database
 * three queries a period, not three per tab.
 */
@ApplicationScoped
public class BoardChanges {
    @Inject
    Boards boards;

    @ConfigProperty(name = "mmap.dashboard.poll-every", defaultValue = "1s")
    Duration every;

    private SharedPoll<String, String> poll;

    @PostConstruct
    void start() {
        poll = new SharedPoll<>(boards::versions, every, "board versions");
    }

    /** The board's version each time it changes, the current one first. */
    public Multi<String> of(String experimentId) {
        return poll.watch(experimentId);
    }

    void stop(@Observes ShutdownEvent event) {
        poll.close();
    }
}
