package ai.oxbow.model.augment;

import java.util.Arrays;

/**
 * Weighted sums of shifted lines, the inner loop of blurring and of vertical resampling, written
 * so that HotSpot vectorises it: JDK 17's C2 vectorises a loop only when its loads and stores
 * index alike, so each shifted slice is first copied to a scratch line (a memcpy), which is
 * three to four times faster than reading it in place. Lines are summed in chunks that stay in
 * the L1 cache.
 */
final class Lines {
    private static final int CHUNK = 2048;
    private final float[] sum = new float[CHUNK];
    private final float[] scratch = new float[CHUNK];

    /**
     * {@code dst[to + j] = sum over t < taps of weights[first + t] * src[from + j + t * step]}
     * for {@code j < length}, each sum taken in the order of {@code t}.
     */
    void weightedSum(
            float[] src, int from, int step, float[] weights, int first, int taps, float[] dst, int to, int length) {
        for (int start = 0; start < length; start += CHUNK) {
            int n = Math.min(CHUNK, length - start);
            Arrays.fill(sum, 0, n, 0f);
            for (int t = 0; t < taps; t++) {
                System.arraycopy(src, from + start + t * step, scratch, 0, n);
                float weight = weights[first + t];
                for (int j = 0; j < n; j++) {
                    sum[j] += weight * scratch[j];
                }
            }
            System.arraycopy(sum, 0, dst, to + start, n);
        }
    }
}
