package ai.oxbow.pipeline.kafka;

import ai.oxbow.model.util.KeyValues;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateExpiredException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * How Oxbow connects to Kafka: the bootstrap servers and the user's client properties (TLS, SASL,
 * timeouts, compression, ...). Every admin, consumer and producer Oxbow makes, the Flink job's
 * sources and sinks included, takes its settings from here. Serializable: the job carries it to
 * its tasks.
 *
 * <p>Precedence: a client's settings are Oxbow's defaults for it (record sizes, linger, the sink's
 * transaction timeout, which a broker with a lower {@code transaction.max.timeout.ms} needs
 * lower), then the user's properties over them, then {@code bootstrap} over a
 * {@code bootstrap.servers} of the properties (a client.properties file may have one). The keys
 * Oxbow's correctness rests on are not the user's to set at all, and are refused here (see
 * {@link #OXBOW_OWNS}).
 *
 * @param bootstrap  host:port[,host:port...]
 * @param properties Kafka client settings (names of ProducerConfig, ConsumerConfig or AdminClientConfig)
 */
public record KafkaClient(String bootstrap, Map<String, String> properties) implements Serializable {
    /** How long {@link #check()} waits for the cluster to answer. */
    public static final Duration CHECK_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Keys Oxbow's correctness rests on, each with why; refused in the properties. (Readers of
     * exactly-once output must read committed records only; the job keeps its offsets in its
     * checkpoints, under consumer groups and transactional ids derived from its own options.)
     */
    static final Map<String, String> OXBOW_OWNS = Map.of(
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, "records are bytes",
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, "records are bytes",
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, "records are bytes",
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, "records are bytes",
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "readers read committed records only",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "offsets live in the job's checkpoints",
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "where a reader starts is set by Oxbow's options",
            ConsumerConfig.GROUP_ID_CONFIG, "the job's consumer groups follow --group-id",
            ProducerConfig.TRANSACTIONAL_ID_CONFIG, "the sink's transactions follow --transactional-id-prefix");

    private static final Set<String> KNOWN = Stream.of(
                    ProducerConfig.configNames(), ConsumerConfig.configNames(), AdminClientConfig.configNames())
            .flatMap(Set::stream)
            .collect(Collectors.toUnmodifiableSet());

    /** Keys of password type (keystore passwords, sasl.jaas.config): never printed. */
    private static final Set<String> SECRETS = Stream.of(
                    ProducerConfig.configDef(), ConsumerConfig.configDef(), AdminClientConfig.configDef())
            .flatMap(d -> d.configKeys().values().stream())
            .filter(k -> k.type == ConfigDef.Type.PASSWORD)
            .map(k -> k.name)
            .collect(Collectors.toUnmodifiableSet());

    public KafkaClient {
        if (bootstrap == null || bootstrap.isBlank()) {
            throw new IllegalArgumentException("no Kafka bootstrap servers given");
        }
        properties = Map.copyOf(properties);
        for (String key : properties.keySet()) {
            if (!KNOWN.contains(key)) {
                throw new IllegalArgumentException("unknown Kafka client property '" + key
                        + "' (not a producer, consumer or admin client setting)");
            }
            if (OXBOW_OWNS.containsKey(key)) {
                throw new IllegalArgumentException(
                        "Kafka client property '" + key + "' is set by Oxbow: " + OXBOW_OWNS.get(key));
            }
        }
    }

    /** Plain: no properties. */
    public static KafkaClient of(String bootstrap) {
        return new KafkaClient(bootstrap, Map.of());
    }

    /**
     * @param keyValuePairs {@code key=value} settings, as --kafka-property takes them; they override the file's
     * @param configFile    a Java properties file (the client.properties of Kafka's console tools), or null
     */
    public static KafkaClient of(String bootstrap, List<String> keyValuePairs, Path configFile) {
        Map<String, String> props = new HashMap<>();
        if (configFile != null) {
            Properties file = new Properties();
            // As Kafka's tools read --command-config: Properties.load of the bytes (ISO 8859-1, escapes).
            try (InputStream in = Files.newInputStream(configFile)) {
                file.load(in);
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException("Kafka client config file " + configFile + " does not exist");
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read Kafka client config file " + configFile + ": " + e);
            }
            file.stringPropertyNames().forEach(k -> props.put(k, file.getProperty(k)));
        }
        for (String pair : keyValuePairs) {
            Map.Entry<String, String> kv = KeyValues.pair("option '--kafka-property'", pair);
            props.put(kv.getKey(), kv.getValue());
        }
        return new KafkaClient(bootstrap, props);
    }

    public Map<String, Object> admin() {
        return config(AdminClientConfig.configNames(), Map.of());
    }

    /** @param oxbow the caller's settings: defaults the properties override, or keys only Oxbow sets */
    public Map<String, Object> consumer(Map<String, ?> oxbow) {
        return config(ConsumerConfig.configNames(), oxbow);
    }

    /** @param oxbow the caller's settings: defaults the properties override, or keys only Oxbow sets */
    public Map<String, Object> producer(Map<String, ?> oxbow) {
        return config(ProducerConfig.configNames(), oxbow);
    }

    /** A producer of raw keys and values (Avro already encoded), with {@link #producer}'s settings. */
    public KafkaProducer<byte[], byte[]> bytesProducer(Map<String, ?> oxbow) {
        return new KafkaProducer<>(producer(oxbow), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Only the properties this kind of client knows: others would be logged as unknown at every start. */
    private Map<String, Object> config(Set<String> names, Map<String, ?> oxbow) {
        Map<String, Object> out = new HashMap<>(oxbow);
        properties.forEach((k, v) -> {
            if (names.contains(k)) {
                out.put(k, v);
            }
        });
        out.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return out;
    }

    public void check() {
        check(CHECK_TIMEOUT);
    }

    /**
     * Fails fast, and says why, when Kafka cannot be used with these settings: asks the cluster to
     * describe itself, which needs a connection, the TLS handshake and the SASL login.
     *
     * @throws IllegalArgumentException what failed: authentication, TLS, no answer within the timeout, the settings
     */
    public void check(Duration timeout) {
        Admin admin;
        try {
            admin = Admin.create(admin());
        } catch (KafkaException e) {
            throw new IllegalArgumentException(
                    "Kafka client settings for " + bootstrap + " are not usable: " + messages(e), e);
        }
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
                    .clusterId()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw explain(e.getCause(), timeout);
        } catch (TimeoutException e) {
            throw explain(e, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to Kafka at " + bootstrap, e);
        } finally {
            admin.close(Duration.ZERO);
        }
    }

    private IllegalArgumentException explain(Throwable e, Duration timeout) {
        String protocol = properties.getOrDefault(
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, CommonClientConfigs.DEFAULT_SECURITY_PROTOCOL);
        String message;
        if (e instanceof SaslAuthenticationException) {
            message = "Kafka at " + bootstrap + " refused authentication (SASL "
                    + properties.getOrDefault(SaslConfigs.SASL_MECHANISM, SaslConfigs.DEFAULT_SASL_MECHANISM)
                    + "): " + e.getMessage();
        } else if (e instanceof SslAuthenticationException) {
            message =
                    "TLS handshake with Kafka at " + bootstrap + " failed: " + tlsReason(e) + " (" + messages(e) + ")";
        } else if (e instanceof AuthenticationException) {
            message = "Kafka at " + bootstrap + " refused authentication: " + messages(e);
        } else if (e instanceof TimeoutException || e instanceof org.apache.kafka.common.errors.TimeoutException) {
            message = "Kafka at " + bootstrap + " did not answer within " + timeout.toSeconds() + " s over " + protocol
                    + ": is the address right, and does the listener there speak " + protocol + "?";
        } else {
            message = "cannot use Kafka at " + bootstrap + ": " + messages(e);
        }
        return new IllegalArgumentException(message, e);
    }

    /** What a user can act on, from the JDK's certificate errors in the cause chain. */
    private static String tlsReason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (t instanceof CertPathBuilderException || m.contains("PKIX path")) {
                return "the broker's certificate is not trusted (ssl.truststore.location must hold it or its CA)";
            }
            if (t instanceof CertificateExpiredException) {
                return "the broker's certificate has expired";
            }
            if (m.contains("No subject alternative") || m.contains("No name matching")) {
                return "the broker's certificate does not name the address it was reached at";
            }
        }
        return "the handshake was refused";
    }

    /** The messages of the cause chain, outermost first, less those an outer one already quotes. */
    private static String messages(Throwable e) {
        List<String> out = new ArrayList<>();
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && (out.isEmpty() || !out.get(out.size() - 1).contains(m))) {
                out.add(m);
            }
        }
        return String.join(": ", out);
    }

    /** Passwords and JAAS settings masked: this may be logged. */
    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>();
        properties.forEach((k, v) -> shown.put(k, SECRETS.contains(k) ? "[hidden]" : v));
        return "KafkaClient[bootstrap=" + bootstrap + ", properties=" + shown + "]";
    }
}
