package ai.oxbow.model.state;

import java.util.zip.CRC32C;

/** CRC-32C (Castagnoli): the checksum of state frame bodies and of the trainer's checkpointed blob. */
public final class Crc32c {
    private Crc32c() {}

    public static long of(byte[] bytes) {
        return of(bytes, 0, bytes.length);
    }

    public static long of(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return crc.getValue();
    }
}
