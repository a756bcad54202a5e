package ai.oxbow.pipeline.produce;

import ai.oxbow.model.data.LabeledImages;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The order in which a labelled set is streamed: {@code iid} (file order, which for
 * Fashion-MNIST is shuffled) or {@code sequential} (the class-incremental stream of continual
 * learning: the same images in blocks of {@code classesPerBlock} classes, classes 0 and 1 first,
 * then 2 and 3, ..., file order kept within a block), where a learner without replay forgets.
 */
public final class ImageOrder {
    private ImageOrder() {}

    /**
     * @param seed not drawn from by either order (both are deterministic); part of the signature
     *             for orders that shuffle
     */
    public static LabeledImages order(LabeledImages images, String order, int classesPerBlock, long seed) {
        return switch (order) {
            case "iid" -> images;
            case "sequential" -> sequential(images, classesPerBlock);
            default -> throw new IllegalArgumentException("--order must be iid or sequential, got '" + order + "'");
        };
    }

    private static LabeledImages sequential(LabeledImages images, int classesPerBlock) {
        if (classesPerBlock < 1) {
            throw new IllegalArgumentException("classes per block must be at least 1, got " + classesPerBlock);
        }
        int[] labels = images.labels();
        if (IntStream.of(labels).anyMatch(l -> l < 0)) {
            throw new IllegalArgumentException("a sequential order needs every image labelled");
        }
        // A stable sort by block keeps file order inside each block.
        int[] order = IntStream.range(0, images.count())
                .boxed()
                .sorted(Comparator.comparingInt(i -> labels[i] / classesPerBlock))
                .mapToInt(Integer::intValue)
                .toArray();
        int n = images.height() * images.width() * images.channels();
        byte[] pixels = new byte[images.count() * n];
        int[] sortedLabels = new int[images.count()];
        for (int i = 0; i < order.length; i++) {
            System.arraycopy(images.pixels(), order[i] * n, pixels, i * n, n);
            sortedLabels[i] = labels[order[i]];
        }
        return new LabeledImages(
                pixels, images.count(), images.height(), images.width(), images.channels(), sortedLabels);
    }
}
