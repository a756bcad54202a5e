package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * The views of one training batch of n images, as the augmentation recipe drew them: view v is
 * an (n, C, S_v, S_v) array, row i of every view the same image. The first {@code globals}
 * views are the global ones (full-size crops: the views EMA teachers, SwAV's codes and MoCo's
 * keys are computed on); the rest are local crops (multi-crop), seen by the online network only.
 * A two-view recipe has two global views and no local ones; masked image modelling takes one.
 */
public record Views(List<NDArray> all, int globals) {

    public Views {
        all = List.copyOf(all);
        if (all.isEmpty() || globals < 1 || globals > all.size()) {
            throw new IllegalArgumentException("a batch needs at least one view with 1 to " + all.size()
                    + " global ones; got " + all.size() + " views, " + globals + " global");
        }
    }

    /** Two global views, the classic pair. */
    public static Views pair(NDArray view1, NDArray view2) {
        return new Views(List.of(view1, view2), 2);
    }

    public int count() {
        return all.size();
    }

    public NDArray get(int view) {
        return all.get(view);
    }

    /** The global views, in order. */
    public List<NDArray> global() {
        return all.subList(0, globals);
    }

    /** Images in the batch. */
    public long images() {
        return all.get(0).getShape().get(0);
    }
}
