package ai.oxbow.model.data;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX files of MNIST and Fashion-MNIST (plain or gzip), as shipped by Debian's
 * dataset-fashion-mnist under /usr/share/datasets/fashion-mnist.
 */
public final class Idx {
    public static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    private Idx() {}

    /** {@code split} is "train" or "t10k". */
    public static LabeledImages fashionMnist(Path dir, String split) throws IOException {
        return read(find(dir, split + "-images-idx3-ubyte"), find(dir, split + "-labels-idx1-ubyte"));
    }

    public static boolean available(Path dir) {
        return Files.isDirectory(dir)
                && (Files.exists(dir.resolve("train-images-idx3-ubyte.gz"))
                        || Files.exists(dir.resolve("train-images-idx3-ubyte")));
    }

    private static Path find(Path dir, String name) throws IOException {
        for (Path p : new Path[] {dir.resolve(name), dir.resolve(name + ".gz")}) {
            if (Files.exists(p)) {
                return p;
            }
        }
        throw new IOException("no " + name + "[.gz] in " + dir);
    }

    public static LabeledImages read(Path images, Path labels) throws IOException {
        try (DataInputStream img = open(images);
                DataInputStream lab = open(labels)) {
            if (img.readInt() != 0x803 || lab.readInt() != 0x801) {
                throw new IOException("not IDX image/label files: " + images + ", " + labels);
            }
            int count = img.readInt();
            int h = img.readInt();
            int w = img.readInt();
            if (lab.readInt() != count) {
                throw new IOException("image and label counts differ in " + images.getParent());
            }
            byte[] pixels = new byte[count * h * w];
            img.readFully(pixels);
            byte[] rawLabels = new byte[count];
            lab.readFully(rawLabels);
            int[] out = new int[count];
            for (int i = 0; i < count; i++) {
                out[i] = rawLabels[i] & 0xFF;
            }
            return new LabeledImages(pixels, count, h, w, 1, out);
        }
    }

    private static DataInputStream open(Path p) throws IOException {
        InputStream in = Files.newInputStream(p);
        if (p.toString().endsWith(".gz")) {
            in = new GZIPInputStream(in, 1 << 16);
        }
        return new DataInputStream(new java.io.BufferedInputStream(in, 1 << 16));
    }
}
