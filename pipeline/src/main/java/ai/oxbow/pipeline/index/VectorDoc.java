package ai.oxbow.pipeline.index;

import ai.oxbow.schemas.EmbeddingEvent;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * One document of the vector index: the embedding of one image by one model version. Its key is
 * (image id, model version), so writing it again replaces it.
 *
 * @param label the image's class label, -1 when unknown
 * @param eventTime epoch milliseconds of the image event
 * @param thumbnail a small PNG of the image, null when the embedding carried none
 * @param clusterId the image's SCAN cluster under this version, -1 when none
 */
public record VectorDoc(
        String imageId,
        long modelVersion,
        String method,
        String encoder,
        int label,
        long eventTime,
        float[] vector,
        byte[] thumbnail,
        int clusterId) {
    /** Format of {@link #write}: 1 had no thumbnail, 2 no cluster. */
    public static final int FORMAT = 3;

    /** The cluster id of a document without a SCAN cluster. */
    public static final int NO_CLUSTER = -1;

    public static VectorDoc of(EmbeddingEvent e) {
        List<Float> values = e.getVector();
        float[] vector = new float[values.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = values.get(i);
        }
        return new VectorDoc(
                e.getImageId(),
                e.getModelVersion(),
                e.getMethod(),
                e.getEncoderName(),
                e.getLabel(),
                e.getEventTime() == null ? 0 : e.getEventTime().toEpochMilli(),
                vector,
                bytes(e.getThumbnail()),
                e.getClusterId());
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    /** Compact binary form, for the index sink's write-ahead state. */
    public void write(DataOutput out) throws IOException {
        out.writeUTF(imageId);
        out.writeLong(modelVersion);
        out.writeUTF(method);
        out.writeUTF(encoder);
        out.writeInt(label);
        out.writeLong(eventTime);
        out.writeInt(vector.length);
        for (float v : vector) {
            out.writeFloat(v);
        }
        out.writeInt(thumbnail == null ? -1 : thumbnail.length);
        if (thumbnail != null) {
            out.write(thumbnail);
        }
        out.writeInt(clusterId);
    }

    /** @param format the {@link #FORMAT} it was written in */
    public static VectorDoc read(DataInput in, int format) throws IOException {
        String imageId = in.readUTF();
        long version = in.readLong();
        String method = in.readUTF();
        String encoder = in.readUTF();
        int label = in.readInt();
        long eventTime = in.readLong();
        float[] vector = new float[in.readInt()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = in.readFloat();
        }
        byte[] thumbnail = null;
        int length = format >= 2 ? in.readInt() : -1;
        if (length >= 0) {
            thumbnail = new byte[length];
            in.readFully(thumbnail);
        }
        int clusterId = format >= 3 ? in.readInt() : NO_CLUSTER;
        return new VectorDoc(imageId, version, method, encoder, label, eventTime, vector, thumbnail, clusterId);
    }
}
