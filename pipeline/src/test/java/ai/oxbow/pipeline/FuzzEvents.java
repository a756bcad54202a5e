package ai.oxbow.pipeline;

import ai.oxbow.pipeline.io.Avro;
import ai.oxbow.schemas.DeadLetter;
import ai.oxbow.schemas.Encoding;
import ai.oxbow.schemas.ImageEvent;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * A seeded mutation fuzzer: valid image events of every encoding and unusual-but-legal kind
 * (palette, grey+alpha, 16-bit and interlaced PNG; progressive and CMYK JPEG; raw with 1 to 4
 * channels), then mutated — bit flips, truncations, header fields, wrong and evolved schemas, PNG
 * chunk corruption, decompression bombs, huge ids, length bombs — or left valid. Each record
 * value is a pure function of (seed, index).
 */
public final class FuzzEvents {
    private final List<ImageEvent> bases = new ArrayList<>();
    private final long seed;
    private final long now;

    /** One fuzzed record value and the mutation that made it ("valid" and "time" are legal events). */
    public record Fuzzed(byte[] value, String mutation) {
        public boolean legal() {
            return mutation.equals("valid") || mutation.equals("time");
        }
    }

    /** @param now epoch milliseconds that "hours ahead" is relative to */
    public FuzzEvents(long seed, long now) {
        this.seed = seed;
        this.now = now;
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < 6; i++) {
            int w = 4 + r.nextInt(28);
            int h = 4 + r.nextInt(28);
            for (Kind k : Kind.values()) {
                bases.add(k.event(w, h, r));
            }
        }
    }

    /** Legal images, one of each kind of encoding this fuzzer writes. */
    enum Kind {
        RAW_GREY,
        RAW_GREY_ALPHA,
        RAW_RGB,
        RAW_RGBA,
        PNG_GREY,
        PNG_RGB,
        PNG_RGBA,
        PNG_GREY_ALPHA,
        PNG_PALETTE,
        PNG_16_BIT,
        PNG_INTERLACED,
        JPEG_GREY,
        JPEG_RGB,
        JPEG_PROGRESSIVE,
        JPEG_CMYK;

        ImageEvent event(int w, int h, SplittableRandom r) {
            return switch (this) {
                case RAW_GREY -> raw(w, h, 1, r);
                case RAW_GREY_ALPHA -> raw(w, h, 2, r);
                case RAW_RGB -> raw(w, h, 3, r);
                case RAW_RGBA -> raw(w, h, 4, r);
                case PNG_GREY -> encoded(Encoding.PNG, 1, image(w, h, BufferedImage.TYPE_BYTE_GRAY, r), false);
                case PNG_RGB -> encoded(Encoding.PNG, 3, image(w, h, BufferedImage.TYPE_3BYTE_BGR, r), false);
                case PNG_RGBA -> encoded(Encoding.PNG, 4, image(w, h, BufferedImage.TYPE_4BYTE_ABGR, r), false);
                case PNG_GREY_ALPHA -> encoded(Encoding.PNG, 2, greyAlpha(w, h, r), false);
                case PNG_PALETTE -> encoded(Encoding.PNG, 3, palette(w, h, r), false);
                case PNG_16_BIT -> encoded(Encoding.PNG, 1, image(w, h, BufferedImage.TYPE_USHORT_GRAY, r), false);
                case PNG_INTERLACED -> encoded(Encoding.PNG, 3, image(w, h, BufferedImage.TYPE_3BYTE_BGR, r), true);
                case JPEG_GREY -> encoded(Encoding.JPEG, 1, image(w, h, BufferedImage.TYPE_BYTE_GRAY, r), false);
                case JPEG_RGB -> encoded(Encoding.JPEG, 3, image(w, h, BufferedImage.TYPE_3BYTE_BGR, r), false);
                case JPEG_PROGRESSIVE -> encoded(Encoding.JPEG, 3, image(w, h, BufferedImage.TYPE_3BYTE_BGR, r), true);
                case JPEG_CMYK ->
                    imageEvent(Encoding.JPEG, w, h, 3, write(new IIOImage(cmyk(w, h, r), null, null), "jpeg", false));
            };
        }
    }

    /** Event {@code index}; its id is {@code fuzz-<index>} unless a mutation hit it. */
    public Fuzzed event(int index) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003 + index);
        ImageEvent base = bases.get(r.nextInt(bases.size()));
        ImageEvent e = ImageEvent.newBuilder(base).setId("fuzz-" + index).build();
        return switch (r.nextInt(16)) {
            case 0, 1, 2, 3 -> new Fuzzed(Avro.encode(e), "valid"); // a quarter of the events
            case 4 -> new Fuzzed(flipBits(Avro.encode(e), r), "record-bits");
            case 5 -> new Fuzzed(truncate(Avro.encode(e), r), "record-truncated");
            case 6 -> new Fuzzed(Avro.encode(header(e, r)), "header");
            case 7 -> new Fuzzed(Avro.encode(withBytes(e, flipBits(bytes(e), r))), "image-bits");
            case 8 -> new Fuzzed(Avro.encode(withBytes(e, truncate(bytes(e), r))), "image-truncated");
            case 9 ->
                new Fuzzed(
                        e.getEncoding() == Encoding.PNG
                                ? Avro.encode(withBytes(e, corruptChunk(bytes(e), r)))
                                : Avro.encode(
                                        withBytes(e, new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xD9})),
                        "chunks");
            case 10 -> new Fuzzed(otherSchema(e, r), "schema");
            case 11 -> new Fuzzed(Avro.encode(pngBomb(e, r)), "bomb");
            case 12 ->
                new Fuzzed(Avro.encode(ImageEvent.newBuilder(e).setId(hugeId(r)).build()), "huge-id");
            case 13 -> new Fuzzed(lengthBomb(Avro.encode(e), r), "length-bomb");
            case 14 ->
                new Fuzzed(
                        Avro.encode(ImageEvent.newBuilder(e)
                                .setEventTime(strangeTime(r))
                                .build()),
                        "time");
            default ->
                new Fuzzed(
                        Avro.encode(ImageEvent.newBuilder(e)
                                .setEncoding(otherEncoding(e.getEncoding(), r))
                                .build()),
                        "encoding");
        };
    }

    // ---- valid events

    static ImageEvent imageEvent(Encoding encoding, int w, int h, int c, byte[] bytes) {
        return ImageEvent.newBuilder()
                .setId("base")
                .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L))
                .setSource("fuzz")
                .setEncoding(encoding)
                .setWidth(w)
                .setHeight(h)
                .setChannels(c)
                .setBytes(ByteBuffer.wrap(bytes))
                .setLabel(3)
                .build();
    }

    static ImageEvent raw(int w, int h, int c, SplittableRandom r) {
        byte[] pixels = new byte[w * h * c];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) r.nextInt(256);
        }
        return imageEvent(Encoding.RAW_U8, w, h, c, pixels);
    }

    static BufferedImage image(int w, int h, int type, SplittableRandom r) {
        BufferedImage img = new BufferedImage(w, h, type);
        fill(img.getRaster(), r);
        return img;
    }

    static void fill(WritableRaster raster, SplittableRandom r) {
        int max = (1 << raster.getSampleModel().getSampleSize(0)) - 1;
        for (int y = 0; y < raster.getHeight(); y++) {
            for (int x = 0; x < raster.getWidth(); x++) {
                for (int b = 0; b < raster.getNumBands(); b++) {
                    raster.setSample(x, y, b, r.nextInt(max + 1));
                }
            }
        }
    }

    static BufferedImage greyAlpha(int w, int h, SplittableRandom r) {
        ComponentColorModel model = new ComponentColorModel(
                ColorSpace.getInstance(ColorSpace.CS_GRAY),
                true,
                false,
                java.awt.Transparency.TRANSLUCENT,
                DataBuffer.TYPE_BYTE);
        BufferedImage img = new BufferedImage(
                model, Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, 2, null), false, null);
        fill(img.getRaster(), r);
        return img;
    }

    static BufferedImage palette(int w, int h, SplittableRandom r) {
        byte[][] rgb = new byte[3][16];
        for (byte[] channel : rgb) {
            for (int i = 0; i < 16; i++) {
                channel[i] = (byte) r.nextInt(256);
            }
        }
        BufferedImage img = new BufferedImage(
                w, h, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(4, 16, rgb[0], rgb[1], rgb[2]));
        fill(img.getRaster(), r);
        return img;
    }

    static WritableRaster cmyk(int w, int h, SplittableRandom r) {
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, 4, null);
        fill(raster, r);
        return raster;
    }

    static ImageEvent encoded(Encoding encoding, int channels, BufferedImage img, boolean progressive) {
        return imageEvent(
                encoding,
                img.getWidth(),
                img.getHeight(),
                channels,
                write(new IIOImage(img, null, null), encoding == Encoding.PNG ? "png" : "jpeg", progressive));
    }

    public static byte[] write(IIOImage image, String format, boolean progressive) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName(format).next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            if (progressive) {
                param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            }
            writer.write(null, image, param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    // ---- mutations

    static byte[] bytes(ImageEvent e) {
        ByteBuffer b = e.getBytes().duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    static ImageEvent withBytes(ImageEvent e, byte[] bytes) {
        return ImageEvent.newBuilder(e).setBytes(ByteBuffer.wrap(bytes)).build();
    }

    static byte[] flipBits(byte[] in, SplittableRandom r) {
        byte[] out = in.clone();
        for (int i = 1 + r.nextInt(8); i > 0 && out.length > 0; i--) {
            out[r.nextInt(out.length)] ^= (byte) (1 << r.nextInt(8));
        }
        return out;
    }

    static byte[] truncate(byte[] in, SplittableRandom r) {
        return Arrays.copyOf(in, in.length == 0 ? 0 : r.nextInt(in.length));
    }

    static ImageEvent header(ImageEvent e, SplittableRandom r) {
        int[] odd = {0, -1, 1, 2, 5, 65_536, Integer.MAX_VALUE, Integer.MIN_VALUE};
        ImageEvent.Builder b = ImageEvent.newBuilder(e);
        switch (r.nextInt(3)) {
            case 0 -> b.setWidth(odd[r.nextInt(odd.length)]);
            case 1 -> b.setHeight(odd[r.nextInt(odd.length)]);
            default -> b.setChannels(odd[r.nextInt(odd.length)]);
        }
        return b.build();
    }

    /** A PNG chunk's length, type or CRC changed (with the CRC then recomputed or not), or IEND dropped. */
    static byte[] corruptChunk(byte[] png, SplittableRandom r) {
        List<Integer> chunks = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(png);
        for (int pos = 8; pos + 12 <= png.length; ) {
            chunks.add(pos);
            pos += 12 + b.getInt(pos);
        }
        byte[] out = png.clone();
        int at = chunks.get(r.nextInt(chunks.size()));
        switch (r.nextInt(4)) {
            case 0 -> ByteBuffer.wrap(out).putInt(at, b.getInt(at) + 1 + r.nextInt(1000));
            case 1 -> out[at + 4 + r.nextInt(4)] ^= 0x20;
            case 2 -> out[at + 8 + r.nextInt(Math.max(1, b.getInt(at) + 4))] ^= 1;
            default -> {
                return Arrays.copyOf(png, chunks.get(chunks.size() - 1));
            }
        }
        return out;
    }

    /** A record written with another schema: a dead letter, or an ImageEvent with a field added. */
    static byte[] otherSchema(ImageEvent e, SplittableRandom r) {
        if (r.nextBoolean()) {
            return Avro.encode(DeadLetter.newBuilder()
                    .setOriginal(ByteBuffer.wrap(new byte[3]))
                    .setTopic("t")
                    .setPartition(0)
                    .setOffset(1)
                    .setReason("X")
                    .setMessage("m")
                    .setImageId(e.getId())
                    .build());
        }
        byte[] evolved = Avro.encode(e);
        byte[] extra = {0x06, 'n', 'e', 'w'}; // a trailing string field the reader does not know
        byte[] out = Arrays.copyOf(evolved, evolved.length + extra.length);
        System.arraycopy(extra, 0, out, evolved.length, extra.length);
        return out;
    }

    /** A tiny PNG whose header claims a huge image: a decompression bomb the header check stops. */
    static ImageEvent pngBomb(ImageEvent e, SplittableRandom r) {
        int side = 20_000 + r.nextInt(50_000);
        ByteBuffer ihdr = ByteBuffer.allocate(13)
                .putInt(side)
                .putInt(side)
                .put((byte) 8)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 0);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        chunk(png, "IHDR", ihdr.array());
        chunk(png, "IDAT", new byte[] {0x78, (byte) 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(png, "IEND", new byte[0]);
        boolean declareSmall = r.nextBoolean();
        return ImageEvent.newBuilder(e)
                .setEncoding(Encoding.PNG)
                .setChannels(1)
                .setWidth(declareSmall ? 8 : side)
                .setHeight(declareSmall ? 8 : side)
                .setBytes(ByteBuffer.wrap(png.toByteArray()))
                .build();
    }

    static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    static String hugeId(SplittableRandom r) {
        return "id-" + "x".repeat(500 + r.nextInt(60_000));
    }

    /** The id's length prefix (the record's first varint) replaced by a claim of up to 2 GiB. */
    static byte[] lengthBomb(byte[] record, SplittableRandom r) {
        int skip = 0;
        while ((record[skip] & 0x80) != 0) {
            skip++;
        }
        long claim = (1L << 20) + r.nextLong(1L << 31);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long v = claim << 1; ; v >>>= 7) { // zig-zag of a positive number, as a varint
            if ((v & ~0x7FL) == 0) {
                out.write((int) v);
                break;
            }
            out.write((int) ((v & 0x7F) | 0x80));
        }
        out.write(record, skip + 1, record.length - skip - 1);
        return out.toByteArray();
    }

    /** Camera clocks: hours ahead, before 1970, or older than any retention. */
    Instant strangeTime(SplittableRandom r) {
        long[] times = {now + 7_200_000L, -86_400_000L, 0, 1_000, Long.MIN_VALUE / 4, 253_402_300_799_000L};
        return Instant.ofEpochMilli(times[r.nextInt(times.length)]);
    }

    static Encoding otherEncoding(Encoding e, SplittableRandom r) {
        Encoding[] all = Encoding.values();
        Encoding other;
        do {
            other = all[r.nextInt(all.length)];
        } while (other == e);
        return other;
    }
}
