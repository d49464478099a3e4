package org.mmapmtl.trainer.run;

import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.EventTopic;
import org.mmapmtl.events.GradientSnapshot;

import java.time.Duration;

/** Sends gradient snapshots and checkpoint records and waits for the broker's acknowledgement (acks=all). */
@ApplicationScoped
public class EventSender {
    /** well below the 60 s transaction timeout: the checkpoint publisher waits inside its transaction */
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(20);

    @Inject
    @Channel("gradients")
    MutinyEmitter<byte[]> gradients;

    @Inject
    @Channel("checkpoints")
    MutinyEmitter<byte[]> checkpoints;

    public void gradient(GradientSnapshot snapshot) {
        byte[] bytes = EventCodecs.GRADIENT.encode(snapshot);
        if (bytes.length > EventTopic.GRADIENTS.maxMessageBytes()) {
            throw new IllegalStateException("a gradient snapshot of " + bytes.length + " bytes exceeds "
                    + EventTopic.GRADIENTS.topicName() + "'s max.message.bytes (" + EventTopic.GRADIENTS.maxMessageBytes()
                    + "): use fewer prompt tokens or layers for phase 1");
        }
        send(gradients, snapshot.experimentId(), bytes);
    }

    public void checkpoint(String experimentId, byte[] payload) {
        send(checkpoints, experimentId, payload);
    }

    private static void send(MutinyEmitter<byte[]> emitter, String key, byte[] value) {
        Message<byte[]> message = Message.of(value)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build());
        // outside any caller's transaction (the checkpoint publisher sends inside one): the send's threads must not
        // join it, or its commit fails with "multiple threads active"
        QuarkusTransaction.suspendingExisting().run(() -> emitter.sendMessage(message).await().atMost(ACK_TIMEOUT));
    }
}
