package ai.oxbow.pipeline.serve;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collections;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The server's key and certificate chain, from a PKCS12 keystore or from PEM files (as certbot and
 * most CAs hand them out), as the {@link SSLContext} that {@code HttpsServer} serves with the JDK's
 * default protocols (TLS 1.2 and 1.3).
 */
final class Tls {
    private static final Pattern PKCS8 =
            Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private Tls() {}

    static SSLContext fromKeystore(Path keystore, char[] password) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, password);
        }
        if (Collections.list(store.aliases()).stream().noneMatch(a -> isKey(store, a))) {
            throw new IllegalArgumentException(keystore + " holds no private key, only certificates");
        }
        return context(store, password);
    }

    /**
     * @param certificates the server's certificate first, then its intermediates
     * @param privateKey   an unencrypted PKCS#8 key ({@code BEGIN PRIVATE KEY}) of the certificate's algorithm
     */
    static SSLContext fromPem(Path certificates, Path privateKey) throws IOException, GeneralSecurityException {
        Certificate[] chain;
        try (InputStream in = Files.newInputStream(certificates)) {
            chain = CertificateFactory.getInstance("X.509")
                    .generateCertificates(in)
                    .toArray(Certificate[]::new);
        }
        if (chain.length == 0) {
            throw new IllegalArgumentException(certificates + " holds no certificate");
        }
        Matcher pem = PKCS8.matcher(Files.readString(privateKey));
        if (!pem.find()) {
            throw new IllegalArgumentException(privateKey + " holds no unencrypted PKCS#8 key (BEGIN PRIVATE KEY);"
                    + " convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8.pem");
        }
        PrivateKey key = KeyFactory.getInstance(chain[0].getPublicKey().getAlgorithm())
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(pem.group(1))));
        // An in-memory store only: the password protects nothing on disk.
        char[] password = "in-memory".toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", key, password, chain);
        return context(store, password);
    }

    private static boolean isKey(KeyStore store, String alias) {
        try {
            return store.isKeyEntry(alias);
        } catch (KeyStoreException e) {
            throw new IllegalStateException("a loaded keystore", e);
        }
    }

    private static SSLContext context(KeyStore store, char[] password) throws GeneralSecurityException {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, password);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);
        return tls;
    }
}
