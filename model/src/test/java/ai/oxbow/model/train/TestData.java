package ai.oxbow.model.train;

import ai.oxbow.model.augment.PairAugmenter;
import ai.oxbow.model.augment.Pixels;
import ai.oxbow.model.data.GeneratedImages;
import ai.oxbow.model.data.LabeledImages;

/** Two augmented views of generated images, ready for {@link SslTrainer#train}. */
public final class TestData {
    private TestData() {}

    public static float[][] views(int batch, int size, int channels, long seed) {
        LabeledImages images = GeneratedImages.generate(batch, size, channels, seed);
        PairAugmenter augmenter = new PairAugmenter(PairAugmenter.Params.DEFAULT, seed, size);
        int n = channels * size * size;
        float[][] views = {new float[batch * n], new float[batch * n]};
        for (int i = 0; i < batch; i++) {
            float[] chw = Pixels.toChw(images.image(i), size, size, channels, channels);
            for (int v = 0; v < 2; v++) {
                System.arraycopy(augmenter.view(chw, channels, size, size, "img-" + seed + "-" + i, v),
                        0, views[v], i * n, n);
            }
        }
        return views;
    }
}
