package org.mmapmtl.trainer.progress;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.Progress;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Reports progress twice from one record: to mmap.progress, for the dashboard and any Kafka client, and to the
 * progress log, which feeds the trainer's server-sent events in order. A report that the broker does not take is
 * logged and dropped: progress is a view of the run, never something the pipeline waits for.
 */
@ApplicationScoped
public class ProgressReporter {
    private static final Logger LOG = Logger.getLogger(ProgressReporter.class);

    @Inject
    @Channel("progress")
    MutinyEmitter<byte[]> progress;

    /**
     * Logs the report in the caller's transaction when there is one (so the log never holds a rolled-back change) and
     * sends it to mmap.progress without waiting for the broker. Without a caller's transaction the entry is written in
     * its own, and a database that is away (restarting, say) costs that one entry, never the run that reported it.
     */
    public void report(Progress p) {
        byte[] bytes = EventCodecs.PROGRESS.encode(p);
        ProgressEntry e = new ProgressEntry();
        e.experimentId = p.experimentId();
        e.payload = new String(bytes, StandardCharsets.UTF_8);
        e.createdAt = Instant.now();
        if (QuarkusTransaction.isActive()) {
            e.persist();
        } else {
            try {
                QuarkusTransaction.requiringNew().run(e::persist);
            } catch (RuntimeException failure) {
                LOG.warnf("progress of %s (%s) not logged: %s", p.runId(), p.state(), failure.getMessage());
            }
        }
        Message<byte[]> message = Message.of(bytes)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(p.experimentId()).build());
        // sent with the caller's transaction suspended: the send's threads must not join it, or its commit fails
        // ("commit invoked while multiple threads active": a finished run recorded as failed, seen on ./mmap up)
        QuarkusTransaction.suspendingExisting().run(() -> progress.sendMessage(message).subscribe().with(ok -> { },
                failure -> LOG.debugf("progress of %s not sent: %s", p.experimentId(), failure.getMessage())));
    }
}
