package ai.oxbow.model.train;

import java.util.List;

/**
 * The augmented views of n images for one training step, as the recipe drew them: each view's
 * pixels (CHW floats in [0, 1], image after image) and side; the first {@code globals} views
 * are the global ones, the rest local crops.
 */
public record ViewBatch(int images, int globals, List<View> views) {

    /** One view of every image: n x C x size x size floats. */
    public record View(float[] pixels, int size) {}

    public ViewBatch {
        views = List.copyOf(views);
        if (images < 1 || views.isEmpty() || globals < 1 || globals > views.size()) {
            throw new IllegalArgumentException("a view batch needs images, a view and 1 to " + views.size()
                    + " global ones: got " + images + " images, " + views.size() + " views, " + globals + " global");
        }
    }

    /** Rank {@code rank}'s share of the images of a batch split between {@code ranks} equal ranks, in order. */
    public ViewBatch share(int rank, int ranks) {
        int n = images / ranks;
        List<View> rows = new java.util.ArrayList<>();
        for (View v : views) {
            int perImage = v.pixels().length / images;
            float[] mine = new float[n * perImage];
            System.arraycopy(v.pixels(), rank * n * perImage, mine, 0, mine.length);
            rows.add(new View(mine, v.size()));
        }
        return new ViewBatch(n, globals, rows);
    }

    /** Two global views of the same size. */
    public static ViewBatch pair(float[] view1, float[] view2, int images, int size) {
        return new ViewBatch(images, 2, List.of(new View(view1, size), new View(view2, size)));
    }
}
