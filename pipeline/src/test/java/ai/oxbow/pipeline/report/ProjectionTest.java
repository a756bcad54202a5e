package ai.oxbow.pipeline.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** PCA recovers a known direction; t-SNE keeps well-separated clusters apart. */
class ProjectionTest {
    @Test
    void pcaFindsTheDirectionOfLargestVariance() {
        Random r = new Random(1);
        double[] u = {3, 4, 0, 0, 0};
        double[][] x = new double[500][5];
        for (double[] row : x) {
            double t = 10 * r.nextGaussian();
            for (int j = 0; j < 5; j++) {
                row[j] = 7 + t * u[j] / 5 + 0.1 * r.nextGaussian();
            }
        }
        Pca pca = Pca.fit(x, 2);
        assertTrue(pca.explained(0) > 0.99, "explained " + pca.explained(0));
        double[][] z = pca.transform(new double[][] {{7, 7, 7, 7, 7}, {7 + 3, 7 + 4, 7, 7, 7}});
        assertEquals(5, z[1][0] - z[0][0], 0.05, "a step of length 5 along u projects to +5 (sign fixed positive)");
        assertEquals(0, z[1][1] - z[0][1], 0.05, "and not onto the second component");
    }

    @Test
    void tsneKeepsClustersApartAndIsDeterministic() {
        int perCluster = 40;
        int clusters = 4;
        Random r = new Random(2);
        double[][] x = new double[perCluster * clusters][10];
        int[] label = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            label[i] = i % clusters;
            for (int d = 0; d < 10; d++) {
                x[i][d] = (d == label[i] ? 20 : 0) + r.nextGaussian();
            }
        }
        double[][] y = Tsne.embed(x, 15, 500);
        // Nearest neighbour in the map has the same label: the clusters survive.
        int agree = 0;
        for (int i = 0; i < y.length; i++) {
            int best = -1;
            double bestD = Double.POSITIVE_INFINITY;
            for (int j = 0; j < y.length; j++) {
                double d = Math.hypot(y[i][0] - y[j][0], y[i][1] - y[j][1]);
                if (j != i && d < bestD) {
                    bestD = d;
                    best = j;
                }
            }
            agree += label[best] == label[i] ? 1 : 0;
        }
        assertTrue(agree >= 0.98 * y.length, "1-NN label agreement in the map: " + agree + "/" + y.length);
        double[][] again = Tsne.embed(x, 15, 500);
        for (int i = 0; i < y.length; i++) {
            assertArrayEquals(y[i], again[i], 0, "deterministic");
        }
    }

    @Test
    void affinitiesAreASymmetricDistribution() {
        Random r = new Random(4);
        double[][] x = new double[30][3];
        for (double[] row : x) {
            for (int j = 0; j < 3; j++) {
                row[j] = r.nextGaussian();
            }
        }
        double[] p = Tsne.affinities(x, 5);
        double sum = 0;
        for (int i = 0; i < 30; i++) {
            for (int j = 0; j < 30; j++) {
                sum += p[i * 30 + j];
                assertEquals(p[i * 30 + j], p[j * 30 + i], 1e-15);
            }
        }
        assertEquals(1, sum, 1e-6);
    }
}
