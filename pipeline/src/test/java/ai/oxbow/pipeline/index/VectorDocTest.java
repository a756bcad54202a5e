package ai.oxbow.pipeline.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The index sink's write-ahead form of a document, in its current format and in format 1. */
class VectorDocTest {
    @Test
    void formatTwoKeepsTheThumbnail() throws IOException {
        VectorDoc doc = new VectorDoc("a", 5, "emp", "small-cnn", 3, 42, new float[] {1, 2}, new byte[] {9, 8, 7}, 4);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        doc.write(new DataOutputStream(bytes));
        VectorDoc back =
                VectorDoc.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), VectorDoc.FORMAT);
        assertArrayEquals(doc.thumbnail(), back.thumbnail());
        assertArrayEquals(doc.vector(), back.vector());
        assertEquals(doc.imageId(), back.imageId());
        assertEquals(4, back.clusterId());
    }

    @Test
    void formatOneReadsWithoutAThumbnail() throws IOException {
        // Format 1, as written before thumbnails: the same fields, nothing after the vector.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeUTF("b");
        out.writeLong(7);
        out.writeUTF("simclr");
        out.writeUTF("small-cnn");
        out.writeInt(1);
        out.writeLong(99);
        out.writeInt(2);
        out.writeFloat(0.5f);
        out.writeFloat(-1f);
        VectorDoc doc = VectorDoc.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), 1);
        assertEquals("b", doc.imageId());
        assertEquals(7, doc.modelVersion());
        assertArrayEquals(new float[] {0.5f, -1f}, doc.vector());
        assertNull(doc.thumbnail());
    }
}
