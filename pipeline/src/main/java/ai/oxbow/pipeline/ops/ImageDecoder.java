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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Validates an ImageEvent and decodes its pixels to 8-bit HWC. Limits are checked before any
 * pixel is decoded (the header's dimensions), so a decompression bomb costs nothing.
 *
 * <p>Strict where a lenient decoder would embed garbage: the bytes must be the format the
 * encoding names (no GIF, BMP or TIFF behind "PNG"); a PNG must have valid chunk CRCs, IHDR first
 * and nothing after IEND; a JPEG must run from SOI to EOI, and any decoder warning (a truncated
 * scan, corrupt data) rejects it. Lenient where the image is legal: palette, grey+alpha, 1- to
 * 16-bit and interlaced PNGs, progressive and CMYK JPEGs are decoded (samples scaled to 8 bits;
 * CMYK converted to RGB without a colour profile). The declared channel count must be the
 * image's, or that minus its alpha channel (the alpha is then dropped).
 */
public final class ImageDecoder implements Serializable {
    static {
        JdkImageIO.ready();
    }

    private final long maxPixels;
    /** Longest image id accepted, in UTF-8 bytes. */
    public static final int MAX_ID_BYTES = 512;

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private final int maxEncodedBytes;

    public ImageDecoder(long maxPixels, int maxEncodedBytes) {
        this.maxPixels = maxPixels;
        this.maxEncodedBytes = maxEncodedBytes;
    }

    /** The largest encoded image accepted, in bytes. */
    public int maxEncodedBytes() {
        return maxEncodedBytes;
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
        if (c < 1 || c > 4) {
            throw new Rejected(
                    Reason.BAD_CHANNELS,
                    c + " channels; 1 (grey), 2 (grey+alpha), 3 (RGB) or 4 (RGBA)" + " are supported");
        }
        ByteBuffer buffer = e.getBytes();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        if (bytes.length > maxEncodedBytes) {
            throw new Rejected(Reason.TOO_LARGE, bytes.length + " encoded bytes, limit " + maxEncodedBytes);
        }
        byte[] pixels =
                e.getEncoding() == Encoding.RAW_U8 ? raw(bytes, w, h, c) : encoded(bytes, e.getEncoding(), w, h, c);
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
            throw new Rejected(
                    Reason.SIZE_MISMATCH,
                    "RAW_U8 has " + bytes.length + " bytes, " + w + "x" + h + "x" + c + " needs " + expected);
        }
        return bytes;
    }

    private byte[] encoded(byte[] bytes, Encoding encoding, int w, int h, int c) throws Rejected {
        if (encoding == Encoding.PNG) {
            checkPngChunks(bytes);
        } else {
            checkJpegMarkers(bytes);
        }
        List<String> warnings = new ArrayList<>();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = ImageIO.getImageReadersByFormatName(encoding == Encoding.PNG ? "png" : "jpeg")
                    .next();
            try {
                reader.setInput(in, true, true);
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                checkPixels(reader.getWidth(0), reader.getHeight(0));
                if (reader.getWidth(0) != w || reader.getHeight(0) != h) {
                    throw new Rejected(
                            Reason.DIMENSION_MISMATCH,
                            "event says " + w + "x" + h + ", image is " + reader.getWidth(0) + "x"
                                    + reader.getHeight(0));
                }
                // Four-component JPEGs are CMYK (or YCCK), which Java reads as no colour type or a
                // wrong one: read their samples and convert.
                byte[] out = encoding == Encoding.JPEG && jpegComponents(bytes) == 4
                        ? cmyk(reader.readRaster(0, null), adobeTransform(bytes), c)
                        : samples(reader.read(0), c);
                if (!warnings.isEmpty()) {
                    throw new Rejected(Reason.DECODE_FAILED, "corrupt " + encoding + ": " + warnings.get(0));
                }
                return out;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException ex) {
            throw new Rejected(Reason.DECODE_FAILED, "cannot decode " + encoding + ": " + ex);
        }
    }

    /** PNG structure: signature, IHDR first, every chunk's CRC, IEND last and nothing after it. */
    private static void checkPngChunks(byte[] bytes) throws Rejected {
        if (bytes.length < PNG_SIGNATURE.length || !Arrays.equals(bytes, 0, 8, PNG_SIGNATURE, 0, 8)) {
            throw new Rejected(
                    Reason.DECODE_FAILED, "encoding is PNG but the bytes are not a PNG (" + sniff(bytes) + ")");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        b.position(8);
        boolean first = true;
        while (true) {
            if (b.remaining() < 12) {
                throw new Rejected(Reason.DECODE_FAILED, "truncated PNG: no IEND chunk");
            }
            long length = b.getInt() & 0xFFFFFFFFL;
            int typeAt = b.position();
            String type = new String(bytes, typeAt, 4, StandardCharsets.ISO_8859_1);
            if (length > b.remaining() - 8) {
                throw new Rejected(Reason.DECODE_FAILED, "truncated PNG: chunk " + type + " of " + length + " bytes");
            }
            if (first && !type.equals("IHDR")) {
                throw new Rejected(Reason.DECODE_FAILED, "PNG does not start with IHDR but " + type);
            }
            first = false;
            CRC32 crc = new CRC32();
            crc.update(bytes, typeAt, 4 + (int) length);
            b.position(typeAt + 4 + (int) length);
            int recorded = b.getInt();
            if ((int) crc.getValue() != recorded) {
                throw new Rejected(Reason.DECODE_FAILED, "PNG chunk " + type + " fails its CRC");
            }
            if (type.equals("IEND")) {
                if (b.hasRemaining()) {
                    throw new Rejected(Reason.DECODE_FAILED, b.remaining() + " bytes after the PNG's IEND");
                }
                return;
            }
        }
    }

    /** JPEG framing: SOI first, EOI last (a truncated file lacks it). */
    private static void checkJpegMarkers(byte[] bytes) throws Rejected {
        int n = bytes.length;
        if (n < 4 || (bytes[0] & 0xFF) != 0xFF || (bytes[1] & 0xFF) != 0xD8) {
            throw new Rejected(
                    Reason.DECODE_FAILED, "encoding is JPEG but the bytes are not a JPEG (" + sniff(bytes) + ")");
        }
        if ((bytes[n - 2] & 0xFF) != 0xFF || (bytes[n - 1] & 0xFF) != 0xD9) {
            throw new Rejected(Reason.DECODE_FAILED, "truncated JPEG: it does not end with EOI");
        }
    }

    /** What the first bytes look like, for messages. */
    private static String sniff(byte[] bytes) {
        String head = new String(bytes, 0, Math.min(bytes.length, 4), StandardCharsets.ISO_8859_1);
        if (head.startsWith("GIF8")) {
            return "GIF";
        }
        if (head.startsWith("BM")) {
            return "BMP";
        }
        if (head.startsWith("II*") || head.startsWith("MM")) {
            return "TIFF";
        }
        if (bytes.length >= 2 && (bytes[0] & 0xFF) == 0xFF && (bytes[1] & 0xFF) == 0xD8) {
            return "JPEG";
        }
        if (head.startsWith("\u0089PNG")) {
            return "PNG";
        }
        return "unknown format";
    }

    /** The component count in a JPEG's frame header (SOFn), -1 if there is none. */
    private static int jpegComponents(byte[] bytes) {
        int pos = 2;
        while (pos + 9 < bytes.length && (bytes[pos] & 0xFF) == 0xFF) {
            int marker = bytes[pos + 1] & 0xFF;
            if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
                return bytes[pos + 9] & 0xFF;
            }
            pos += 2 + ((bytes[pos + 2] & 0xFF) << 8 | (bytes[pos + 3] & 0xFF));
        }
        return -1;
    }

    /** The Adobe APP14 colour transform of a JPEG (0 none, 2 YCCK), -1 without the marker. */
    private static int adobeTransform(byte[] bytes) {
        for (int i = 2; i + 16 < bytes.length; i++) {
            if ((bytes[i] & 0xFF) == 0xFF
                    && (bytes[i + 1] & 0xFF) == 0xEE
                    && new String(bytes, i + 4, 5, StandardCharsets.ISO_8859_1).equals("Adobe")) {
                return bytes[i + 15] & 0xFF;
            }
        }
        return -1;
    }

    /** Adobe-style CMYK (stored inverted) or YCCK samples to RGB, naively (no ICC profile). */
    private static byte[] cmyk(Raster raster, int transform, int c) throws Rejected {
        if (raster.getNumBands() != 4 || (c != 3 && c != 4)) {
            throw new Rejected(
                    Reason.BAD_CHANNELS,
                    "a " + raster.getNumBands() + "-component JPEG declared with " + c + " channels");
        }
        int w = raster.getWidth();
        int h = raster.getHeight();
        byte[] out = new byte[w * h * c];
        int[] p = new int[4];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                raster.getPixel(x, y, p);
                if (transform == 2) { // YCC -> the inverted CMY it encodes
                    double yy = p[0];
                    double cb = p[1] - 128.0;
                    double cr = p[2] - 128.0;
                    p[0] = clamp(yy + 1.402 * cr);
                    p[1] = clamp(yy - 0.344136 * cb - 0.714136 * cr);
                    p[2] = clamp(yy + 1.772 * cb);
                }
                int o = (y * w + x) * c;
                for (int b = 0; b < 3; b++) {
                    out[o + b] = (byte) Math.round(p[b] * p[3] / 255.0);
                }
                if (c == 4) {
                    out[o + 3] = (byte) 255;
                }
            }
        }
        return out;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    private static byte[] samples(BufferedImage image, int c) throws Rejected {
        Raster raster = image.getRaster();
        int w = image.getWidth();
        int h = image.getHeight();
        boolean indexed = image.getColorModel() instanceof IndexColorModel;
        int bands = indexed ? (image.getColorModel().hasAlpha() ? 4 : 3) : raster.getNumBands();
        boolean dropAlpha = image.getColorModel().hasAlpha() && c == bands - 1;
        if (bands != c && !dropAlpha) {
            throw new Rejected(Reason.BAD_CHANNELS, "event says " + c + " channels, image has " + bands);
        }
        int[] bits = raster.getSampleModel().getSampleSize();
        byte[] out = new byte[w * h * c];
        int[] pixel = new int[raster.getNumBands()];
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
                        out[o + b] =
                                (byte) (bits[b] == 8 ? pixel[b] : Math.round(pixel[b] * 255.0 / ((1 << bits[b]) - 1)));
                    }
                }
            }
        }
        return out;
    }
}
