package ai.oxbow.pipeline.ops;

import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * A small PNG of an image as the encoder saw it, kept with its embedding so a search result can be
 * shown without the original: at the model's input shape (28 x 28 grey is ~0.5 KB), scaled down
 * when that is larger than {@code maxSide}.
 */
public final class Thumbnail {
    static {
        JdkImageIO.ready();
    }

    private Thumbnail() {}

    /** @param maxSide the longest side; 0 means no thumbnail (null) */
    public static byte[] png(ModelImage image, int channels, int size, int maxSide) {
        if (maxSide <= 0) {
            return null;
        }
        BufferedImage full = new BufferedImage(
                size, size, channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        int plane = size * size;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int p = y * size + x;
                if (channels == 1) {
                    full.getRaster().setSample(x, y, 0, image.chw[p] & 0xFF);
                } else {
                    int r = image.chw[p] & 0xFF;
                    int g = image.chw[plane + p] & 0xFF;
                    int b = image.chw[2 * plane + p] & 0xFF;
                    full.setRGB(x, y, (r << 16) | (g << 8) | b);
                }
            }
        }
        BufferedImage out = full;
        if (size > maxSide) {
            out = new BufferedImage(maxSide, maxSide, full.getType());
            var g = out.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(full, 0, 0, maxSide, maxSide, null);
            g.dispose();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(out, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
