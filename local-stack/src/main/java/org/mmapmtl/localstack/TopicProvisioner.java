package org.mmapmtl.localstack;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.mmapmtl.events.EventTopic;
import org.mmapmtl.events.KafkaPrincipal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates every topic of {@link EventTopic} and its dead-letter topic, with their configs (existing topics are
 * kept), and, on a broker with users, each service's ACLs from {@link KafkaPrincipal}: write on what it produces and
 * on its inputs' dead-letter topics, read on its inputs and on its consumer groups; nothing else.
 */
public final class TopicProvisioner {
    private TopicProvisioner() {
    }

    static List<String> ensure(KafkaBroker broker) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        settings.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        if (broker.users() != null) {
            settings.putAll(broker.users().clientSettings(KafkaUsers.ADMIN));
        }
        try (Admin admin = Admin.create(settings)) {
            List<String> topics = ensureTopics(admin);
            if (broker.users() != null) {
                admin.createAcls(acls()).all().get(30, TimeUnit.SECONDS);
            }
            return topics;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create the services' ACLs on Kafka at " + broker.bootstrapServers()
                    + ": " + e.getCause(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka at " + broker.bootstrapServers() + " did not create the topics and "
                    + "ACLs within 30 s", e);
        }
    }

    private static List<String> ensureTopics(Admin admin) throws InterruptedException, TimeoutException {
        List<NewTopic> topics = new ArrayList<>();
        for (EventTopic t : EventTopic.values()) {
            topics.add(new NewTopic(t.topicName(), t.partitions(), (short) 1).configs(t.configs()));
            topics.add(new NewTopic(t.deadLetterTopicName(), 1, (short) 1).configs(t.deadLetterConfigs()));
        }
        var results = admin.createTopics(topics).values();
        for (var e : results.entrySet()) {
            try {
                e.getValue().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create topic " + e.getKey() + ": " + ex.getCause(), ex);
                }
            }
        }
        return topics.stream().map(NewTopic::name).toList();
    }

    /** Each service's allowances (creating one that exists changes nothing). */
    static List<AclBinding> acls() {
        List<AclBinding> acls = new ArrayList<>();
        for (KafkaPrincipal p : KafkaPrincipal.values()) {
            String user = "User:" + p.user();
            for (String topic : p.writes()) {
                acls.add(allow(user, ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.WRITE));
            }
            for (String topic : p.reads()) {
                acls.add(allow(user, ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.READ));
            }
            acls.add(allow(user, ResourceType.GROUP, p.groupPrefix(), PatternType.PREFIXED, AclOperation.READ));
        }
        return acls;
    }

    private static AclBinding allow(String user, ResourceType type, String name, PatternType pattern, AclOperation op) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry(user, "*", op, AclPermissionType.ALLOW));
    }
}
