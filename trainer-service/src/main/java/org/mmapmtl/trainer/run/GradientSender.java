package org.mmapmtl.trainer.run;

import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.EventTopic;
import org.mmapmtl.events.GradientSnapshot;

import java.time.Duration;

/** Sends gradient snapshots to mmap.gradients and waits for the broker's acknowledgement (acks=all). */
@ApplicationScoped
public class GradientSender {
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(20);

    @Inject
    @Channel("gradients")
    MutinyEmitter<byte[]> gradients;

    public void gradient(GradientSnapshot snapshot) {
        byte[] bytes = EventCodecs.GRADIENT.encode(snapshot);
        if (bytes.length > EventTopic.GRADIENTS.maxMessageBytes()) {
            throw new IllegalStateException("a gradient snapshot of " + bytes.length + " bytes exceeds "
                    + EventTopic.GRADIENTS.topicName() + "'s max.message.bytes (" + EventTopic.GRADIENTS.maxMessageBytes()
                    + "): use fewer prompt tokens or layers for phase 1");
        }
        Message<byte[]> message = Message.of(bytes)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(snapshot.experimentId()).build());
        gradients.sendMessage(message).await().atMost(ACK_TIMEOUT);
    }
}
