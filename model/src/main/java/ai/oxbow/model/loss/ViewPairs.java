package ai.oxbow.model.loss;

import ai.djl.ndarray.NDArray;
import ai.oxbow.model.nd.Scalars;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Which pairs of views a multi-view loss averages over, in one place. The first {@code globals}
 * of {@code views} views are global: they give targets (EMA targets, keys, codes, teacher
 * outputs); every view, local crops included, is compared with every global view but itself.
 * This is the multi-crop rule of SwAV (main_swav.py: codes from {@code crops_for_assign}, each
 * predicted from every other crop, the sub-losses averaged) and DINO (DINOLoss: teacher outputs of
 * the global crops against student outputs of every other crop, averaged over the pairs), and
 * solo-learn's multi-crop BYOL (large crops as targets, all other crops as predictions).
 */
public final class ViewPairs {
    private ViewPairs() {}

    /** Ordered pairs (g, v): g a global view (the target side), v any other view (the online side). */
    public static List<int[]> ordered(int globals, int views) {
        check(globals, views);
        List<int[]> pairs = new ArrayList<>();
        for (int g = 0; g < globals; g++) {
            for (int v = 0; v < views; v++) {
                if (v != g) {
                    pairs.add(new int[] {g, v});
                }
            }
        }
        return pairs;
    }

    /**
     * Unordered pairs {g, v}, for losses symmetric in their two views (VICReg, Barlow Twins,
     * W-MSE): g a global view, v > g when v is global too, so each pair counts once. With every
     * view global these are all V(V - 1)/2 pairs, W-MSE's reference (w_mse.py) rule.
     */
    public static List<int[]> unordered(int globals, int views) {
        check(globals, views);
        List<int[]> pairs = new ArrayList<>();
        for (int g = 0; g < globals; g++) {
            for (int v = g + 1; v < views; v++) {
                pairs.add(new int[] {g, v});
            }
        }
        return pairs;
    }

    /** The mean of {@code term(a, b)} over the given pairs. */
    public static NDArray mean(List<int[]> pairs, BiFunction<Integer, Integer, NDArray> term) {
        NDArray sum = null;
        for (int[] p : pairs) {
            NDArray t = term.apply(p[0], p[1]);
            sum = sum == null ? t : sum.add(t);
        }
        return Scalars.div(sum, pairs.size());
    }

    private static void check(int globals, int views) {
        if (views < 2 || globals < 1 || globals > views) {
            throw new IllegalArgumentException(views + " views with " + globals + " global ones: a loss needs two"
                    + " views and at least one global");
        }
    }
}
