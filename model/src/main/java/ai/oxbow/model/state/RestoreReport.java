package ai.oxbow.model.state;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * What a restore did with a blob. A blob of the current format restored into the same
 * configuration is {@link Kind#BITWISE}: checked by re-encoding the restored state, which must give
 * the very bytes restored. One restored with changed fields that may change ({@link Kind#RECONFIGURED})
 * records them, and one of an older format ({@link Kind#OLDER_FORMAT}) is re-encoded in today's:
 * neither re-encodes to the same bytes.
 *
 * @param format       the blob's format version
 * @param reconfigured the fields that may change across a restore and did (empty: none)
 * @param step         the trainer's step as restored
 * @param lineage      the trainer's lineage as restored (see {@code SslTrainer#fork})
 */
public record RestoreReport(Kind kind, int format, Set<String> reconfigured, long step, long lineage) {
    public enum Kind {
        BITWISE,
        RECONFIGURED,
        OLDER_FORMAT
    }

    public RestoreReport {
        reconfigured = Set.copyOf(reconfigured);
    }

    /**
     * The report on a blob just restored, its bitwise claim verified.
     *
     * @param current   the newest format version of this kind of blob
     * @param reencoded the restored state encoded again
     * @throws IllegalStateException if a bitwise restore does not re-encode to the blob
     */
    public static RestoreReport verified(
            String what,
            byte[] blob,
            int format,
            int current,
            Set<String> reconfigured,
            Supplier<byte[]> reencoded,
            long step,
            long lineage) {
        Kind kind = format < current ? Kind.OLDER_FORMAT : reconfigured.isEmpty() ? Kind.BITWISE : Kind.RECONFIGURED;
        if (kind == Kind.BITWISE && !Arrays.equals(blob, reencoded.get())) {
            throw new IllegalStateException("restored " + what + " differs from the blob it was restored from");
        }
        return new RestoreReport(kind, format, reconfigured, step, lineage);
    }

    /** How the blob was decoded, as the trainer's event log words it: bitwise, reconfigured[fields] or older-format. */
    public String decoded() {
        return switch (kind) {
            case BITWISE -> "bitwise";
            case RECONFIGURED -> "reconfigured" + new TreeSet<>(reconfigured);
            case OLDER_FORMAT -> "older-format";
        };
    }
}
