package ai.oxbow.pipeline.index;

import ai.oxbow.schemas.EmbeddingEvent;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.List;

/**
 * One document of the vector index: the embedding of one image by one model version. Its key is
 * (image id, model version), so writing it again replaces it.
 *
 * @param label the image's class label, -1 when unknown
 * @param eventTime epoch milliseconds of the image event
 */
public record VectorDoc(String imageId, long modelVersion, String method, String encoder, int label,
                        long eventTime, float[] vector) {

    public static VectorDoc of(EmbeddingEvent e) {
        List<Float> values = e.getVector();
        float[] vector = new float[values.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = values.get(i);
        }
        return new VectorDoc(e.getImageId(), e.getModelVersion(), e.getMethod(), e.getEncoderName(), e.getLabel(),
                e.getEventTime() == null ? 0 : e.getEventTime().toEpochMilli(), vector);
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
    }

    public static VectorDoc read(DataInput in) throws IOException {
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
        return new VectorDoc(imageId, version, method, encoder, label, eventTime, vector);
    }
}
