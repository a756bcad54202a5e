package ai.oxbow.pipeline.ops;

import ai.oxbow.pipeline.ops.Rejected.Reason;
import ai.oxbow.schemas.Encoding;
import ai.oxbow.schemas.ImageEvent;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Validates an ImageEvent and decodes its pixels to 8-bit HWC. Limits are checked before any
 * pixel is decoded (the header's dimensions), so a decompression bomb costs nothing.
 */
public final class ImageDecoder implements Serializable {
    private final long maxPixels;
    /** Longest image id accepted, in UTF-8 bytes. */
    public static final int MAX_ID_BYTES = 512;
    private final int maxEncodedBytes;

    public ImageDecoder(long maxPixels, int maxEncodedBytes) {
        this.maxPixels = maxPixels;
        this.maxEncodedBytes = maxEncodedBytes;
    }

    public DecodedImage decode(ImageEvent e) throws Rejected {
        if (e.getId() == null || e.getId().isBlank()) {
            throw new Rejected(Reason.MISSING_ID, "image event without an id");
        }
        // Ids travel into state, Lucene terms and the embeddings' keys; an unbounded one would
        // break each of them (Lucene refuses terms over 32 KB, state codecs strings over 64 KB).
        int idBytes = e.getId().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (idBytes > MAX_ID_BYTES) {
            throw new Rejected(Reason.ID_TOO_LONG, "image id of " + idBytes + " bytes; at most " + MAX_ID_BYTES);
        }
        int w = e.getWidth();
        int h = e.getHeight();
        int c = e.getChannels();
        if (w <= 0 || h <= 0) {
            throw new Rejected(Reason.BAD_DIMENSIONS, "width " + w + " x height " + h);
        }
        checkPixels(w, h);
        if (c != 1 && c != 3 && c != 4) {
            throw new Rejected(Reason.BAD_CHANNELS, c + " channels; 1, 3 or 4 are supported");
        }
        ByteBuffer buffer = e.getBytes();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        if (bytes.length > maxEncodedBytes) {
            throw new Rejected(Reason.TOO_LARGE, bytes.length + " encoded bytes, limit " + maxEncodedBytes);
        }
        byte[] pixels = e.getEncoding() == Encoding.RAW_U8 ? raw(bytes, w, h, c) : encoded(bytes, w, h, c);
        long eventTime = e.getEventTime() == null ? 0 : e.getEventTime().toEpochMilli();
        return new DecodedImage(e.getId(), eventTime, e.getLabel() == null ? -1 : e.getLabel(), h, w, c, pixels);
    }

    private void checkPixels(long w, long h) throws Rejected {
        if (w * h > maxPixels) {
            throw new Rejected(Reason.TOO_LARGE, w + "x" + h + " pixels, limit " + maxPixels);
        }
    }

    private static byte[] raw(byte[] bytes, int w, int h, int c) throws Rejected {
        long expected = (long) w * h * c;
        if (bytes.length != expected) {
            throw new Rejected(Reason.SIZE_MISMATCH, "RAW_U8 has " + bytes.length + " bytes, "
                    + w + "x" + h + "x" + c + " needs " + expected);
        }
        return bytes;
    }

    private byte[] encoded(byte[] bytes, int w, int h, int c) throws Rejected {
        BufferedImage image;
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new Rejected(Reason.DECODE_FAILED, "not a PNG or JPEG image");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                checkPixels(reader.getWidth(0), reader.getHeight(0));
                if (reader.getWidth(0) != w || reader.getHeight(0) != h) {
                    throw new Rejected(Reason.DIMENSION_MISMATCH, "event says " + w + "x" + h + ", image is "
                            + reader.getWidth(0) + "x" + reader.getHeight(0));
                }
                image = reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException ex) {
            throw new Rejected(Reason.DECODE_FAILED, "cannot decode: " + ex);
        }
        return samples(image, c);
    }

    private static byte[] samples(BufferedImage image, int c) throws Rejected {
        Raster raster = image.getRaster();
        int w = image.getWidth();
        int h = image.getHeight();
        boolean indexed = image.getColorModel() instanceof IndexColorModel;
        int bands = indexed ? (image.getColorModel().hasAlpha() ? 4 : 3) : raster.getNumBands();
        if (!indexed && raster.getSampleModel().getSampleSize(0) > 8) {
            throw new Rejected(Reason.UNSUPPORTED_DEPTH, raster.getSampleModel().getSampleSize(0)
                    + "-bit samples; 8-bit images are supported");
        }
        if (bands != c) {
            throw new Rejected(Reason.BAD_CHANNELS, "event says " + c + " channels, image has " + bands);
        }
        byte[] out = new byte[w * h * c];
        int[] pixel = new int[bands];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * c;
                if (indexed) {
                    int argb = image.getRGB(x, y);
                    out[o] = (byte) (argb >> 16);
                    out[o + 1] = (byte) (argb >> 8);
                    out[o + 2] = (byte) argb;
                    if (c == 4) {
                        out[o + 3] = (byte) (argb >>> 24);
                    }
                } else {
                    raster.getPixel(x, y, pixel);
                    for (int b = 0; b < c; b++) {
                        out[o + b] = (byte) pixel[b];
                    }
                }
            }
        }
        return out;
    }
}
