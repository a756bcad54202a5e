package ai.oxbow.model.replay;

import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.augment.Chw;
import ai.oxbow.model.augment.Pixels;
import ai.oxbow.model.augment.ViewParams;
import ai.oxbow.model.train.ViewBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Draws every view of a training batch on worker threads, so that the learner can sample the
 * next batch and have its views drawn while the current step trains. A view is a pure function of
 * (augmentation seed, image id, view, draw), and each image's views land at fixed offsets, so
 * the pixels are the same whatever the number of threads or their timing. With no worker threads
 * the caller draws them itself.
 */
final class ViewPool implements AutoCloseable {
    private final Augmenter augmenter;
    private final int channels;
    private final int size;
    private final int threads;
    private final ExecutorService workers;

    ViewPool(Augmenter augmenter, int channels, int size, int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("view threads must be 0 or more, got " + threads);
        }
        this.augmenter = augmenter;
        this.channels = channels;
        this.size = size;
        this.threads = threads;
        this.workers = threads == 0
                ? null
                : Executors.newFixedThreadPool(threads, runnable -> {
                    Thread t = new Thread(runnable, "oxbow-views");
                    t.setDaemon(true);
                    return t;
                });
    }

    /** Starts drawing the views of {@code samples}; the future completes with the batch. */
    CompletableFuture<ViewBatch> draw(List<ReplayBuffer.Sample> samples) {
        int n = samples.size();
        List<ViewParams> recipe = augmenter.recipe().views();
        float[][] out = new float[recipe.size()][];
        for (int v = 0; v < out.length; v++) {
            out[v] = new float
                    [n * channels * recipe.get(v).size() * recipe.get(v).size()];
        }
        List<ViewBatch.View> views = new ArrayList<>(out.length);
        for (int v = 0; v < out.length; v++) {
            views.add(new ViewBatch.View(out[v], recipe.get(v).size()));
        }
        ViewBatch batch = new ViewBatch(n, augmenter.recipe().globals(), views);
        if (workers == null) {
            drawImages(samples, 0, n, out);
            return CompletableFuture.completedFuture(batch);
        }
        int chunks = Math.min(threads, n);
        CompletableFuture<?>[] parts = new CompletableFuture<?>[chunks];
        for (int c = 0; c < chunks; c++) {
            int from = c * n / chunks;
            int to = (c + 1) * n / chunks;
            parts[c] = CompletableFuture.runAsync(() -> drawImages(samples, from, to, out), workers);
        }
        return CompletableFuture.allOf(parts).thenApply(done -> batch);
    }

    private void drawImages(List<ReplayBuffer.Sample> samples, int from, int to, float[][] out) {
        for (int i = from; i < to; i++) {
            ReplayBuffer.Sample s = samples.get(i);
            ReplayItem item = s.entry().item;
            Chw image = new Chw(Pixels.unit(item.pixels()), channels, size, size);
            for (int v = 0; v < out.length; v++) {
                float[] view = augmenter.view(image, item.id(), v, s.draw()).data();
                System.arraycopy(view, 0, out[v], i * view.length, view.length);
            }
        }
    }

    @Override
    public void close() {
        if (workers != null) {
            workers.shutdownNow();
        }
    }
}
