package ai.oxbow.pipeline.produce;

import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.Idx;
import ai.oxbow.model.data.LabeledImages;
import ai.oxbow.schemas.Encoding;
import ai.oxbow.schemas.ImageEvent;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/** Where `produce` and `demo` take images from: Fashion-MNIST IDX, a folder, or generated. */
public final class ImageSources {
    private ImageSources() {}

    /** Raw 8-bit events for a labelled set, ids prefixed by the source name. */
    public static Iterator<ImageEvent> of(LabeledImages images, String source) {
        return new Iterator<>() {
            int next;

            @Override
            public boolean hasNext() {
                return next < images.count();
            }

            @Override
            public ImageEvent next() {
                int i = next++;
                return ImageEvent.newBuilder()
                        .setId(source + "-" + i)
                        .setEventTime(Instant.now())
                        .setSource(source)
                        .setEncoding(Encoding.RAW_U8)
                        .setWidth(images.width())
                        .setHeight(images.height())
                        .setChannels(images.channels())
                        .setBytes(ByteBuffer.wrap(images.image(i)))
                        .setLabel(images.labels()[i] < 0 ? null : images.labels()[i])
                        .build();
            }
        };
    }

    public static LabeledImages fashionMnistTrain(Path dir, int limit) throws IOException {
        return Idx.fashionMnist(dir, "train").first(limit);
    }

    public static LabeledImages generated(int count, int size, int channels, long seed) {
        return GeneratedImages.generate(count, size, channels, seed);
    }

    /** PNG and JPEG files of a folder (sorted by name), sent encoded as they are. */
    public static Iterator<ImageEvent> folder(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> {
                        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
                    })
                    .sorted()
                    .toList();
        }
        Iterator<Path> it = files.iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public ImageEvent next() {
                Path p = it.next();
                try {
                    byte[] bytes = Files.readAllBytes(p);
                    BufferedImage img = ImageIO.read(p.toFile());
                    if (img == null) {
                        throw new IOException("not an image: " + p);
                    }
                    String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
                    return ImageEvent.newBuilder()
                            .setId(p.getFileName().toString())
                            .setEventTime(Instant.now())
                            .setSource(dir.toString())
                            .setEncoding(name.endsWith(".png") ? Encoding.PNG : Encoding.JPEG)
                            .setWidth(img.getWidth())
                            .setHeight(img.getHeight())
                            .setChannels(img.getColorModel().getNumComponents())
                            .setBytes(ByteBuffer.wrap(bytes))
                            .setLabel(null)
                            .build();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }
}
