package ai.oxbow.pipeline.serve;

import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.model.train.EncoderSnapshot;
import ai.oxbow.model.train.ModelRegistry;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.pipeline.index.ImageEmbedder;
import ai.oxbow.pipeline.index.VectorDoc;
import ai.oxbow.pipeline.index.VectorIndex;
import ai.oxbow.pipeline.ops.DecodedImage;
import ai.oxbow.pipeline.ops.Thumbnail;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import javax.net.ssl.SSLContext;

/**
 * A committed index of generated images embedded, with thumbnails, by a real (untrained) encoder
 * version that is also in a model registry, and a running {@link Serve} on a free loopback port.
 */
final class ServeFixture implements AutoCloseable {
    static final int IMAGES = 120;
    static final int SIZE = 16;
    final LabeledImages images = GeneratedImages.generate(IMAGES, SIZE, 1, 5);
    final long version;
    final Serve serve;
    final String url;

    ServeFixture(Path index, Path models) throws IOException {
        this(index, models, null, null, Limits.DEFAULTS);
    }

    /** Served over TLS when {@code tls} is set, the API behind {@code token} when set. */
    ServeFixture(Path index, Path models, SSLContext tls, BearerToken token, Limits limits) throws IOException {
        EncoderSnapshot snapshot = EncoderSnapshot.initial(TrainerConfig.defaults("simclr", "small-cnn", 1, SIZE, 32));
        new ModelRegistry(models).write(snapshot);
        version = snapshot.version();
        try (VectorIndex writer = new VectorIndex(index);
                ImageEmbedder embedder = new ImageEmbedder(snapshot)) {
            List<DecodedImage> decoded = new ArrayList<>();
            for (int i = 0; i < IMAGES; i++) {
                decoded.add(new DecodedImage(id(i), 0, images.labels()[i], SIZE, SIZE, 1, images.image(i)));
            }
            float[][] vectors = embedder.embed(decoded);
            for (int i = 0; i < IMAGES; i++) {
                byte[] thumbnail = Thumbnail.png(embedder.input(decoded.get(i)), 1, SIZE, 32);
                writer.upsert(new VectorDoc(
                        id(i),
                        version,
                        "simclr",
                        "small-cnn",
                        images.labels()[i],
                        0,
                        vectors[i],
                        thumbnail,
                        VectorDoc.NO_CLUSTER));
            }
            writer.commit(7);
        }
        serve = new Serve(new SearchService(index, models), new Serve.Config("127.0.0.1", 0, tls, token, limits));
        serve.start();
        url = serve.url();
    }

    static String id(int i) {
        return "gen-" + i;
    }

    /** Image i as a PNG file's bytes, as a user would upload it. */
    byte[] png(int i) throws IOException {
        BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_BYTE_GRAY);
        byte[] pixels = images.image(i);
        for (int p = 0; p < pixels.length; p++) {
            img.getRaster().setSample(p % SIZE, p / SIZE, 0, pixels[p] & 0xFF);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    @Override
    public void close() {
        serve.stop();
    }
}
