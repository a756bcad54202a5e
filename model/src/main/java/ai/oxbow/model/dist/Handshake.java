package ai.oxbow.model.dist;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ProtocolException;

/**
 * The first message on a new connection, from the higher rank: which group, attempt and size it belongs to, who it
 * is and whom it wants. The lower rank answers with an acceptance or the reason for refusing.
 */
record Handshake(String groupId, long generation, int size, int fromRank, int toRank) {
    private static final int MAGIC = 0x4F58_4454; // "OXDT"
    private static final int VERSION = 1;

    void write(OutputStream out) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream data = new DataOutputStream(bytes);
        data.writeInt(MAGIC);
        data.writeInt(VERSION);
        data.writeUTF(groupId);
        data.writeLong(generation);
        data.writeInt(size);
        data.writeInt(fromRank);
        data.writeInt(toRank);
        out.write(bytes.toByteArray());
    }

    static Handshake read(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int magic = data.readInt();
        if (magic != MAGIC) {
            throw new ProtocolException(String.format("not an Oxbow transport peer (it opened with 0x%08x)", magic));
        }
        int version = data.readInt();
        if (version != VERSION) {
            throw new ProtocolException("transport protocol version " + version + ", this rank speaks " + VERSION);
        }
        return new Handshake(data.readUTF(), data.readLong(), data.readInt(), data.readInt(), data.readInt());
    }

    /** Why a rank with these coordinates must refuse this handshake, or null if it is for it. */
    String refusalBy(String ownGroupId, long ownGeneration, int ownSize, int ownRank) {
        if (!groupId.equals(ownGroupId)) {
            return "group '" + groupId + "' is not this group '" + ownGroupId + "'";
        }
        if (generation != ownGeneration) {
            return "generation " + generation + " is not the current generation " + ownGeneration
                    + (generation < ownGeneration ? " (a connection left from an earlier attempt)" : "");
        }
        if (size != ownSize) {
            return "a group of " + size + " ranks is not this group of " + ownSize;
        }
        if (toRank != ownRank) {
            return "it asked for rank " + toRank + " but reached rank " + ownRank;
        }
        return null;
    }

    /** Accepts ({@code refusal} null) or refuses the handshake just read. */
    static void reply(OutputStream out, String refusal) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream data = new DataOutputStream(bytes);
        data.writeBoolean(refusal == null);
        data.writeUTF(refusal == null ? "" : refusal);
        out.write(bytes.toByteArray());
    }

    /** Null if the peer accepted, else its reason for refusing. */
    static String readReply(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        boolean accepted = data.readBoolean();
        String reason = data.readUTF();
        return accepted ? null : reason;
    }
}
