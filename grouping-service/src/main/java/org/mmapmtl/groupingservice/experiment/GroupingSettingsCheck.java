package org.mmapmtl.groupingservice.experiment;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Refuses to start with grouping settings no experiment could use (an unknown objective, k without a number, a τ out
 * of range), instead of dead-lettering the snapshot that completes the first experiment's set.
 */
@ApplicationScoped
class GroupingSettingsCheck {

    void onStart(@Observes StartupEvent start, GroupingSettings settings) {
        try {
            settings.groupingObjective();
            settings.gradientSimilarity();
            settings.searchOptions();
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("mmap.grouping settings (MMAP_GROUPING_OBJECTIVE, _K, _TAU, _SIMILARITY,"
                    + " _EXACT_LIMIT): " + e.getMessage(), e);
        }
    }
}
