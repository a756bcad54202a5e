package ai.oxbow.pipeline.produce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.LabeledImages;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ImageOrderTest {
    static final LabeledImages IMAGES = GeneratedImages.generate(300, 8, 1, 4);

    @Test
    void iidIsTheFileOrder() {
        assertSame(IMAGES, ImageOrder.order(IMAGES, "iid", 2, 1));
    }

    @Test
    void sequentialStreamsBlocksOfClassesInOrderKeepingFileOrderWithin() {
        LabeledImages ordered = ImageOrder.order(IMAGES, "sequential", 2, 1);
        assertEquals(IMAGES.count(), ordered.count());
        List<Set<Integer>> blocks = new ArrayList<>();
        int previousBlock = -1;
        for (int label : ordered.labels()) {
            if (label / 2 != previousBlock) {
                blocks.add(new TreeSet<>());
                previousBlock = label / 2;
            }
            blocks.get(blocks.size() - 1).add(label);
        }
        assertEquals(List.of(Set.of(0, 1), Set.of(2, 3), Set.of(4, 5), Set.of(6, 7), Set.of(8, 9)), blocks);
        // Same images: each (label, pixels) appears as often as before, and within a block in file order.
        Map<String, Integer> before = counts(IMAGES);
        assertEquals(before, counts(ordered));
        List<String> firstBlockInFileOrder = new ArrayList<>();
        for (int i = 0; i < IMAGES.count(); i++) {
            if (IMAGES.labels()[i] < 2) {
                firstBlockInFileOrder.add(key(IMAGES, i));
            }
        }
        for (int i = 0; i < firstBlockInFileOrder.size(); i++) {
            assertEquals(firstBlockInFileOrder.get(i), key(ordered, i));
        }
    }

    @Test
    void refusesUnknownOrdersAndUnlabelledImages() {
        assertThrows(IllegalArgumentException.class, () -> ImageOrder.order(IMAGES, "shuffled", 2, 1));
        int[] labels = IMAGES.labels().clone();
        labels[3] = -1;
        LabeledImages unlabelled = new LabeledImages(IMAGES.pixels(), IMAGES.count(), 8, 8, 1, labels);
        assertThrows(IllegalArgumentException.class, () -> ImageOrder.order(unlabelled, "sequential", 2, 1));
    }

    private static Map<String, Integer> counts(LabeledImages images) {
        Map<String, Integer> out = new HashMap<>();
        for (int i = 0; i < images.count(); i++) {
            out.merge(key(images, i), 1, Integer::sum);
        }
        return out;
    }

    private static String key(LabeledImages images, int i) {
        return images.labels()[i] + ":" + Arrays.toString(images.image(i));
    }
}
