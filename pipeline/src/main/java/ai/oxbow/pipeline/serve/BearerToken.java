package ai.oxbow.pipeline.serve;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The secret a client of the API shows as {@code Authorization: Bearer TOKEN}. Only its SHA-256
 * digest is kept, and a request's is compared with it by {@link MessageDigest#isEqual}, so neither
 * the time a comparison takes nor where it stops tells a caller how much of a guess was right, or
 * how long the token is.
 */
public final class BearerToken {
    /** Short tokens can be guessed; {@code openssl rand -hex 32} makes a good one. */
    static final int MIN_LENGTH = 16;

    private static final String SCHEME = "Bearer ";
    private final byte[] digest;

    /** @throws IllegalArgumentException a token too short, or with characters a header cannot carry */
    public BearerToken(String token) {
        if (token.length() < MIN_LENGTH) {
            throw new IllegalArgumentException("the token has " + token.length() + " characters; it needs at least "
                    + MIN_LENGTH + " (e.g. openssl rand -hex 32)");
        }
        if (!token.chars().allMatch(c -> c > ' ' && c < 127)) {
            throw new IllegalArgumentException("the token must be printable ASCII without spaces");
        }
        digest = sha256(token);
    }

    /** Whether an {@code Authorization} header (null when absent) carries the token. */
    boolean allows(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return false;
        }
        return MessageDigest.isEqual(
                digest, sha256(authorization.substring(SCHEME.length()).trim()));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
