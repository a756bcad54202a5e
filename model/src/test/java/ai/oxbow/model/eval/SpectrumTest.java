package ai.oxbow.model.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SpectrumTest {
    @Test
    void jacobiFindsKnownEigenvalues() {
        double[][] a = {{2, 1, 0}, {1, 2, 0}, {0, 0, 5}};
        double[] e = Spectrum.symmetricEigenvalues(a);
        Arrays.sort(e);
        assertArrayEquals(new double[] {1, 3, 5}, e, 1e-9);
    }

    @Test
    void rankMeIsOneForCollapsedAndFullForIsotropicEmbeddings() {
        int dim = 8;
        float[] line = new float[100 * dim];
        float[] iso = new float[100 * dim];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 100; i++) {
            double t = r.nextDouble();
            for (int d = 0; d < dim; d++) {
                line[i * dim + d] = (float) (t * (d + 1));
            }
        }
        // Identity-like: each dimension equally used.
        for (int i = 0; i < 100; i++) {
            iso[i * dim + i % dim] = 1;
        }
        assertEquals(1.0, Spectrum.rankMe(line, dim), 1e-3);
        assertEquals(dim, Spectrum.rankMe(iso, dim), 1e-2, "the 1e-7 of RankMe's definition shifts it slightly");
    }

    @Test
    void alignmentAndUniformityFollowTheirDefinitions() {
        float[] a = {1, 0, 0, 1};
        float[] b = {0, 1, 0, 1};
        // Pair 0: distance^2 between (1,0) and (0,1) = 2; pair 1: 0.
        assertEquals(1.0, Spectrum.alignment(a, b, 2), 1e-9);
        // One pair (i<j) with ||x0 - x1||^2 = 2: log(exp(-4)) = -4.
        assertEquals(-4.0, Spectrum.uniformity(a, 2), 1e-9);
        assertTrue(Spectrum.uniformity(new float[] {1, 0, 1, 0}, 2) > -1e-9, "identical points: log 1 = 0");
    }
}
