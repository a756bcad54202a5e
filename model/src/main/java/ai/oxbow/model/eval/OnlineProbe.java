package ai.oxbow.model.eval;

import ai.oxbow.model.augment.Augmenter;
import ai.oxbow.model.augment.Chw;
import ai.oxbow.model.replay.ReplayItem;
import ai.oxbow.model.train.SslTrainer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * Measures, while it trains, the encoder a trainer is training, on the stream's most recently
 * admitted images: RankMe over up to {@value #RANK_WINDOW} of them, the online kNN (test-then-train
 * on the labelled ones not probed before) and alignment and uniformity on two fresh views of
 * {@value #QUALITY_SAMPLE}. Labels never reach a loss.
 *
 * <p>Probing reads the network only (inference mode), so it changes no trainer state. One thread
 * admits and probes; the figures may be read from any.
 */
public final class OnlineProbe {
    public static final int RANK_WINDOW = 512;
    public static final int QUALITY_SAMPLE = 64;
    private static final int KNN_MEMORY = 4096;
    private static final int KNN_WINDOW = 1000;

    private final SslTrainer trainer;
    private final Augmenter augmenter;
    private final OnlineKnn knn;
    private final Deque<ReplayItem> recent = new ArrayDeque<>();
    /** How many of the recent images the kNN has not tested yet. */
    private int unprobed;

    private volatile double rankMe = Double.NaN;
    private volatile double alignment = Double.NaN;
    private volatile double uniformity = Double.NaN;

    /** @param classes label classes of the online kNN (labels outside 0..classes-1 are unlabelled) */
    public OnlineProbe(SslTrainer trainer, Augmenter augmenter, int classes) {
        this.trainer = trainer;
        this.augmenter = augmenter;
        this.knn = new OnlineKnn(trainer.embeddingDim(), classes, KNN_MEMORY, KNN_WINDOW);
    }

    /** Images that just entered the replay buffer's admission, oldest first. */
    public void admitted(List<ReplayItem> items) {
        for (ReplayItem item : items) {
            recent.addLast(item);
            if (recent.size() > RANK_WINDOW) {
                recent.removeFirst();
            }
        }
        unprobed = Math.min(RANK_WINDOW, unprobed + items.size());
    }

    /** Whether there is anything to probe. */
    public boolean hasImages() {
        return !recent.isEmpty();
    }

    /** Embeds the recent images with the encoder as it is now and updates every figure. */
    public void probe() {
        List<ReplayItem> items = new ArrayList<>(recent);
        int n = items.size();
        int pixels = trainer.config().pixelsPerImage();
        int c = trainer.config().channels();
        int s = trainer.config().size();
        float[] clean = ReplayItem.cleanBatch(items);
        int[] labels = items.stream().mapToInt(ReplayItem::label).toArray();
        int dim = trainer.embeddingDim();
        float[] features = trainer.embedWithCurrent(clean, n);
        rankMe = Spectrum.rankMe(features, dim);
        int fresh = Math.min(unprobed, n);
        knn.observe(Arrays.copyOfRange(features, (n - fresh) * dim, n * dim), Arrays.copyOfRange(labels, n - fresh, n));
        unprobed = 0;
        // Two draws of the first global view: a positive pair for any recipe.
        int k = Math.min(n, QUALITY_SAMPLE);
        int viewSize = augmenter.recipe().views().get(0).size();
        int viewPixels = c * viewSize * viewSize;
        float[] v1 = new float[k * viewPixels];
        float[] v2 = new float[k * viewPixels];
        for (int i = 0; i < k; i++) {
            Chw chw = new Chw(Arrays.copyOfRange(clean, i * pixels, (i + 1) * pixels), c, s, s);
            String id = items.get(i).id();
            System.arraycopy(augmenter.view(chw, id, 0, 0).data(), 0, v1, i * viewPixels, viewPixels);
            System.arraycopy(augmenter.view(chw, id, 0, 1).data(), 0, v2, i * viewPixels, viewPixels);
        }
        float[] a = trainer.embedWithCurrent(v1, k, viewSize);
        float[] b = trainer.embedWithCurrent(v2, k, viewSize);
        alignment = Spectrum.alignment(a, b, dim);
        uniformity = Spectrum.uniformity(a, dim);
    }

    /** Effective rank of the recent images' embeddings (NaN before the first probe). */
    public double rankMe() {
        return rankMe;
    }

    /** Online kNN top-1 accuracy (NaN before its first prediction). */
    public double knnTop1() {
        return knn.top1();
    }

    /** Mean squared distance between the embeddings of two views of an image (NaN before the first probe). */
    public double alignment() {
        return alignment;
    }

    /** Log of the mean Gaussian potential between embeddings (NaN before the first probe). */
    public double uniformity() {
        return uniformity;
    }
}
