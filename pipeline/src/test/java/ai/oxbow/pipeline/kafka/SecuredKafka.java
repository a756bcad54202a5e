package ai.oxbow.pipeline.kafka;

import ai.oxbow.pipeline.Keytool;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * An {@link EmbeddedKafka} that also speaks TLS: an SSL listener and a SASL_SSL listener with
 * SCRAM-SHA-512 and one user. Its certificate, self-signed for 127.0.0.1 and localhost, and the
 * truststores are made at run time with the JDK's keytool; a second, unrelated certificate's
 * truststore trusts the wrong broker.
 */
public final class SecuredKafka implements AutoCloseable {
    public static final String USER = "oxbow";
    public static final String PASSWORD = "s3cret-scram";
    static final String STORE_PASSWORD = "store-pass";

    public final EmbeddedKafka kafka;
    /** Holds the broker's certificate. */
    public final Path truststore;
    /** Holds an unrelated certificate only. */
    public final Path untrustedTruststore;

    private SecuredKafka(EmbeddedKafka kafka, Path truststore, Path untrustedTruststore) {
        this.kafka = kafka;
        this.truststore = truststore;
        this.untrustedTruststore = untrustedTruststore;
    }

    public static SecuredKafka start(Path dir) throws Exception {
        Path keystore = dir.resolve("broker.p12");
        Path truststore = dir.resolve("truststore.p12");
        Path untrusted = dir.resolve("untrusted-truststore.p12");
        selfSigned(dir, "broker", keystore, truststore);
        selfSigned(dir, "stranger", dir.resolve("stranger.p12"), untrusted);

        Map<String, String> broker = new LinkedHashMap<>();
        broker.put("ssl.keystore.type", "PKCS12");
        broker.put("ssl.keystore.location", keystore.toString());
        broker.put("ssl.keystore.password", STORE_PASSWORD);
        broker.put("ssl.key.password", STORE_PASSWORD);
        broker.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
        broker.put(
                "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        EmbeddedKafka kafka =
                EmbeddedKafka.start(Map.of("SSL", SecurityProtocol.SSL, "SASL_SSL", SecurityProtocol.SASL_SSL), broker);
        SecuredKafka secured = new SecuredKafka(kafka, truststore, untrusted);
        try {
            secured.addUser();
        } catch (Exception e) {
            kafka.close();
            throw e;
        }
        return secured;
    }

    /** KRaft keeps SCRAM credentials in its metadata: added over PLAINTEXT, then usable once the broker has them. */
    private void addUser() throws Exception {
        try (Admin admin = Admin.create(kafka.client().admin())) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
                            USER, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), PASSWORD)))
                    .all()
                    .get();
        }
        KafkaClient client = KafkaClient.of(saslSslBootstrap(), saslSslPairs(USER, PASSWORD), null);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                client.check(Duration.ofSeconds(10));
                return;
            } catch (IllegalArgumentException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    public String sslBootstrap() {
        return "127.0.0.1:" + kafka.port("SSL");
    }

    public String saslSslBootstrap() {
        return "127.0.0.1:" + kafka.port("SASL_SSL");
    }

    /** TLS settings trusting the given truststore, as {@code key=value}. */
    public List<String> sslPairs(Path trust) {
        return List.of(
                "security.protocol=SSL",
                "ssl.truststore.type=PKCS12",
                "ssl.truststore.location=" + trust,
                "ssl.truststore.password=" + STORE_PASSWORD);
    }

    /** SASL_SSL with SCRAM-SHA-512 for this user and password, trusting the broker, as {@code key=value}. */
    public List<String> saslSslPairs(String user, String password) {
        List<String> out = new ArrayList<>(sslPairs(truststore));
        out.set(0, "security.protocol=SASL_SSL");
        out.add("sasl.mechanism=SCRAM-SHA-512");
        out.add("sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";");
        return out;
    }

    /** A key pair with a self-signed certificate in a PKCS12 keystore, and a truststore holding the certificate. */
    private static void selfSigned(Path dir, String alias, Path keystore, Path truststore)
            throws IOException, InterruptedException {
        Path cert = dir.resolve(alias + ".crt");
        Keytool.selfSigned(keystore, alias, alias, STORE_PASSWORD);
        Keytool.run(
                "-exportcert",
                "-alias",
                alias,
                "-keystore",
                keystore.toString(),
                "-storepass",
                STORE_PASSWORD,
                "-file",
                cert.toString());
        Keytool.run(
                "-importcert",
                "-noprompt",
                "-alias",
                alias,
                "-file",
                cert.toString(),
                "-storetype",
                "PKCS12",
                "-keystore",
                truststore.toString(),
                "-storepass",
                STORE_PASSWORD);
    }

    @Override
    public void close() throws Exception {
        kafka.close();
    }
}
