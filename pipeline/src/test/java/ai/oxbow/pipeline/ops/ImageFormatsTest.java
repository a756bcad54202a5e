package ai.oxbow.pipeline.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.pipeline.BadEvents;
import ai.oxbow.pipeline.FuzzEvents;
import ai.oxbow.schemas.Encoding;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.nio.ByteBuffer;
import java.util.Arrays;
import javax.imageio.IIOImage;
import org.junit.jupiter.api.Test;

/** Unusual but legal images are decoded; broken or mislabelled ones get DECODE_FAILED. */
class ImageFormatsTest {
    final ImageDecoder decoder = new ImageDecoder(1_000_000, 1_000_000);

    /** A grey ramp, value 16 * x + y over 8 x 8. */
    static WritableRaster ramp(BufferedImage image, int bands, int scale) {
        WritableRaster r = image.getRaster();
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                for (int b = 0; b < bands; b++) {
                    r.setSample(x, y, b, (16 * x + y + 40 * b) * scale);
                }
            }
        }
        return r;
    }

    static byte[] write(BufferedImage image, String format, boolean progressive) {
        return FuzzEvents.write(new IIOImage(image, null, null), format, progressive);
    }

    DecodedImage decode(Encoding encoding, int channels, byte[] bytes) throws Rejected {
        return decoder.decode(BadEvents.event("img", encoding, 8, 8, channels, bytes));
    }

    Rejected.Reason rejected(Encoding encoding, int channels, byte[] bytes) {
        return assertThrows(Rejected.class, () -> decode(encoding, channels, bytes))
                .reason();
    }

    static byte[] expectedRamp(int bands) {
        byte[] out = new byte[64 * bands];
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                for (int b = 0; b < bands; b++) {
                    out[(y * 8 + x) * bands + b] = (byte) (16 * x + y + 40 * b);
                }
            }
        }
        return out;
    }

    @Test
    void greyAlphaPngDecodesWithTwoChannelsOrAsGreyWithoutItsAlpha() throws Exception {
        BufferedImage greyAlpha = new BufferedImage(
                new java.awt.image.ComponentColorModel(
                        java.awt.color.ColorSpace.getInstance(java.awt.color.ColorSpace.CS_GRAY),
                        true,
                        false,
                        java.awt.Transparency.TRANSLUCENT,
                        java.awt.image.DataBuffer.TYPE_BYTE),
                Raster.createInterleavedRaster(java.awt.image.DataBuffer.TYPE_BYTE, 8, 8, 2, null),
                false,
                null);
        ramp(greyAlpha, 2, 1);
        byte[] png = write(greyAlpha, "png", false);
        assertArrayEquals(expectedRamp(2), decode(Encoding.PNG, 2, png).pixels);
        byte[] grey = new byte[64];
        for (int i = 0; i < 64; i++) {
            grey[i] = expectedRamp(2)[2 * i];
        }
        assertArrayEquals(grey, decode(Encoding.PNG, 1, png).pixels, "declared without alpha: alpha dropped");
    }

    @Test
    void sixteenBitAndInterlacedPngsDecodeTo8Bits() throws Exception {
        BufferedImage deep = new BufferedImage(8, 8, BufferedImage.TYPE_USHORT_GRAY);
        ramp(deep, 1, 257); // v * 257 is v in 16 bits: back to v in 8
        assertArrayEquals(expectedRamp(1), decode(Encoding.PNG, 1, write(deep, "png", false)).pixels);
        BufferedImage grey = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        ramp(grey, 1, 1);
        byte[] interlaced = write(grey, "png", true);
        assertEquals(1, interlaced[8 + 8 + 12], "IHDR interlace method: Adam7");
        assertArrayEquals(expectedRamp(1), decode(Encoding.PNG, 1, interlaced).pixels);
    }

    @Test
    void palettePngDecodesToItsColours() throws Exception {
        byte[] r = {0, (byte) 255, 10, 20};
        byte[] g = {0, 0, (byte) 200, 30};
        byte[] b = {0, 0, 0, (byte) 250};
        BufferedImage indexed =
                new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(2, 4, r, g, b));
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                indexed.getRaster().setSample(x, y, 0, (x + y) % 4);
            }
        }
        byte[] pixels = decode(Encoding.PNG, 3, write(indexed, "png", false)).pixels;
        int p = (2 * 8 + 1) * 3; // x 1, y 2: index 3
        assertArrayEquals(new byte[] {20, 30, (byte) 250}, Arrays.copyOfRange(pixels, p, p + 3));
    }

    @Test
    void progressiveAndCmykJpegsDecode() throws Exception {
        BufferedImage grey = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        ramp(grey, 1, 1);
        byte[] progressive = write(grey, "jpeg", true);
        byte[] baseline = write(grey, "jpeg", false);
        byte[] a = decode(Encoding.JPEG, 1, progressive).pixels;
        byte[] e = expectedRamp(1);
        for (int i = 0; i < 64; i++) {
            assertTrue(Math.abs((a[i] & 0xFF) - (e[i] & 0xFF)) <= 12, "progressive JPEG sample " + i);
        }
        assertEquals(64, decode(Encoding.JPEG, 1, baseline).pixels.length);
        // Four components written from a raster: a CMYK JPEG, which Java's reader has no colour type for.
        WritableRaster cmyk = Raster.createInterleavedRaster(java.awt.image.DataBuffer.TYPE_BYTE, 8, 8, 4, null);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                cmyk.setPixel(x, y, new int[] {200, 100, 50, 255});
            }
        }
        byte[] jpeg = FuzzEvents.write(new IIOImage(cmyk, null, null), "jpeg", false);
        byte[] rgb = decode(Encoding.JPEG, 3, jpeg).pixels;
        assertEquals(64 * 3, rgb.length);
        assertTrue(
                Math.abs((rgb[0] & 0xFF) - 200) <= 12
                        && Math.abs((rgb[1] & 0xFF) - 100) <= 12
                        && Math.abs((rgb[2] & 0xFF) - 50) <= 12,
                Arrays.toString(Arrays.copyOf(rgb, 3)));
    }

    @Test
    void truncatedOrCorruptJpegsAreRejected() throws Exception {
        BufferedImage grey = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        ramp(grey, 1, 1);
        byte[] jpeg = write(grey, "jpeg", false);
        assertEquals(Rejected.Reason.DECODE_FAILED, rejected(Encoding.JPEG, 1, Arrays.copyOf(jpeg, jpeg.length - 20)));
        // Cut inside the scan, then an EOI appended: only the decoder can tell.
        byte[] cut = Arrays.copyOf(jpeg, jpeg.length - 18);
        cut[cut.length - 2] = (byte) 0xFF;
        cut[cut.length - 1] = (byte) 0xD9;
        assertEquals(Rejected.Reason.DECODE_FAILED, rejected(Encoding.JPEG, 1, cut));
        assertEquals(Rejected.Reason.DECODE_FAILED, rejected(Encoding.JPEG, 1, write(grey, "png", false)));
    }

    @Test
    void pngWithABadCrcTrailingBytesOrAnotherFormatIsRejected() throws Exception {
        BufferedImage grey = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        ramp(grey, 1, 1);
        byte[] png = write(grey, "png", false);
        int idat = indexOf(png, "IDAT");
        byte[] flipped = png.clone();
        flipped[idat + 6] ^= 0x01;
        assertEquals(Rejected.Reason.DECODE_FAILED, rejected(Encoding.PNG, 1, flipped));
        byte[] trailing = Arrays.copyOf(png, png.length + 3);
        assertEquals(Rejected.Reason.DECODE_FAILED, rejected(Encoding.PNG, 1, trailing));
        for (String other : new String[] {"gif", "bmp", "tiff"}) {
            assertEquals(Rejected.Reason.DECODE_FAILED, rejected(Encoding.PNG, 1, write(grey, other, false)), other);
        }
        assertEquals(0, ByteBuffer.wrap(png).getInt(png.length - 12), "IEND is empty");
    }

    static int indexOf(byte[] bytes, String ascii) {
        outer:
        for (int i = 0; i + ascii.length() <= bytes.length; i++) {
            for (int k = 0; k < ascii.length(); k++) {
                if (bytes[i + k] != ascii.charAt(k)) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
