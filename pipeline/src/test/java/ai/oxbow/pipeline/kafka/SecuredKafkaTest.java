package ai.oxbow.pipeline.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.pipeline.produce.ImageProducer;
import ai.oxbow.pipeline.produce.ImageSources;
import ai.oxbow.schemas.ImageEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Oxbow's clients against a real broker over TLS and SASL_SSL (SCRAM-SHA-512), and the errors when they cannot connect. */
class SecuredKafkaTest {
    static final int IMAGES = 24;

    @TempDir
    static Path dir;

    static SecuredKafka secured;

    @BeforeAll
    static void start() throws Exception {
        secured = SecuredKafka.start(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        secured.close();
    }

    /** Creates the topic, produces generated images and reads every one of them back, all through this client. */
    static void roundTrip(KafkaClient client, String topic) throws Exception {
        Topics.create(client, Map.of(topic, 2));
        LabeledImages images = ImageSources.generated(IMAGES, 8, 1, 5);
        Set<String> sentIds = new HashSet<>();
        ImageSources.of(images, "gen").forEachRemaining(e -> sentIds.add(e.getId()));
        assertEquals(IMAGES, ImageProducer.produce(client, topic, ImageSources.of(images, "gen"), IMAGES, 0));
        Set<String> read = TopicReader.readCommitted(client, topic, ImageEvent.class).stream()
                .map(ImageEvent::getId)
                .collect(Collectors.toSet());
        assertEquals(sentIds, read);
    }

    @Test
    void producesAndReadsBackOverTls() throws Exception {
        roundTrip(KafkaClient.of(secured.sslBootstrap(), secured.sslPairs(secured.truststore), null), "tls.images");
    }

    @Test
    void producesAndReadsBackOverSaslSslWithPropertiesGivenAsPairs() throws Exception {
        KafkaClient client = KafkaClient.of(
                secured.saslSslBootstrap(), secured.saslSslPairs(SecuredKafka.USER, SecuredKafka.PASSWORD), null);
        assertFalse(client.toString().contains(SecuredKafka.PASSWORD), client.toString());
        roundTrip(client, "sasl-pairs.images");
    }

    /** The file holds everything, with a wrong password that a pair overrides. */
    @Test
    void producesAndReadsBackOverSaslSslWithAPropertiesFile() throws Exception {
        Path file = dir.resolve("client.properties");
        Files.write(file, secured.saslSslPairs(SecuredKafka.USER, "wrong"));
        String jaas = secured.saslSslPairs(SecuredKafka.USER, SecuredKafka.PASSWORD).stream()
                .filter(p -> p.startsWith("sasl.jaas.config="))
                .findFirst()
                .orElseThrow();
        assertThrows(
                IllegalArgumentException.class,
                () -> KafkaClient.of(secured.saslSslBootstrap(), List.of(), file)
                        .check());
        roundTrip(KafkaClient.of(secured.saslSslBootstrap(), List.of(jaas), file), "sasl-file.images");
    }

    @Test
    void aWrongPasswordIsAnAuthenticationError() {
        KafkaClient client = KafkaClient.of(
                secured.saslSslBootstrap(), secured.saslSslPairs(SecuredKafka.USER, "not-the-password"), null);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Topics.create(client, Map.of("never.images", 1)));
        assertTrue(
                e.getMessage()
                        .startsWith("Kafka at " + secured.saslSslBootstrap()
                                + " refused authentication (SASL SCRAM-SHA-512): "),
                e.getMessage());
        assertTrue(e.getMessage().contains("invalid credentials"), e.getMessage());
    }

    @Test
    void anUntrustedCertificateIsATlsError() {
        KafkaClient client =
                KafkaClient.of(secured.sslBootstrap(), secured.sslPairs(secured.untrustedTruststore), null);
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> ImageProducer.produce(
                        client, "never.images", List.<ImageEvent>of().iterator(), 0, 0));
        assertTrue(
                e.getMessage()
                        .startsWith("TLS handshake with Kafka at " + secured.sslBootstrap()
                                + " failed: the broker's certificate is not trusted"),
                e.getMessage());
    }

    /** A client that does not speak TLS gets no answer from a TLS listener: the check's timeout ends the wait. */
    @Test
    void noAnswerWithinTheTimeoutIsSaidSo() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> KafkaClient.of(secured.sslBootstrap()).check(Duration.ofSeconds(3)));
        assertEquals(
                "Kafka at " + secured.sslBootstrap() + " did not answer within 3 s over PLAINTEXT: is the "
                        + "address right, and does the listener there speak PLAINTEXT?",
                e.getMessage());
    }

    @Test
    void badPropertiesAreRefusedByName() throws Exception {
        String b = secured.sslBootstrap();
        assertMessage(
                "unknown Kafka client property 'ssl.trustore.location'",
                () -> KafkaClient.of(b, List.of("ssl.trustore.location=/x"), null));
        assertMessage(
                "Invalid value for option '--kafka-property': 'security.protocol SSL' is not key=value",
                () -> KafkaClient.of(b, List.of("security.protocol SSL"), null));
        Path missing = dir.resolve("no-such.properties");
        assertMessage(missing.toString(), () -> KafkaClient.of(b, List.of(), missing));
        Path typo = dir.resolve("typo.properties");
        Files.write(typo, List.of("sasl.mechanisms=PLAIN"));
        assertMessage("'sasl.mechanisms'", () -> KafkaClient.of(b, List.of(), typo));
        assertMessage(
                "'isolation.level' is set by Oxbow",
                () -> KafkaClient.of(b, List.of("isolation.level=read_uncommitted"), null));
    }

    static void assertMessage(String part, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
