package ai.oxbow.model.eval;

/**
 * Representation-quality indicators computed from embeddings in plain doubles:
 * RankMe (Garrido et al., 2023) and alignment/uniformity (Wang and Isola, 2020).
 */
public final class Spectrum {
    private Spectrum() {}

    /**
     * RankMe = exp(entropy of the normalised singular values of the N x D embedding matrix),
     * p_k = s_k / sum(s) + 1e-7. Between 1 (collapsed to a line) and min(N, D). The singular
     * values are the square roots of the eigenvalues of Z^T Z (Jacobi rotations: D is small).
     */
    public static double rankMe(float[] rows, int dim) {
        int n = rows.length / dim;
        double[][] gram = new double[dim][dim];
        for (int r = 0; r < n; r++) {
            int o = r * dim;
            for (int i = 0; i < dim; i++) {
                double a = rows[o + i];
                if (a == 0) {
                    continue;
                }
                for (int j = i; j < dim; j++) {
                    gram[i][j] += a * rows[o + j];
                }
            }
        }
        for (int i = 0; i < dim; i++) {
            for (int j = 0; j < i; j++) {
                gram[i][j] = gram[j][i];
            }
        }
        double[] eigen = symmetricEigenvalues(gram);
        double sum = 0;
        double[] s = new double[dim];
        for (int i = 0; i < dim; i++) {
            s[i] = Math.sqrt(Math.max(0, eigen[i]));
            sum += s[i];
        }
        if (sum == 0) {
            return 1;
        }
        double entropy = 0;
        for (double v : s) {
            double p = v / sum + 1e-7;
            entropy -= p * Math.log(p);
        }
        return Math.exp(entropy);
    }

    /** Alignment: mean squared distance of l2-normalised positive pairs (0 = perfectly aligned). */
    public static double alignment(float[] a, float[] b, int dim) {
        double[][] x = normalised(a, dim);
        double[][] y = normalised(b, dim);
        double total = 0;
        for (int i = 0; i < x.length; i++) {
            total += squaredDistance(x[i], y[i]);
        }
        return total / x.length;
    }

    /** Uniformity: log mean over pairs i < j of exp(-2 ||x_i - x_j||^2) (lower = more uniform). */
    public static double uniformity(float[] rows, int dim) {
        double[][] x = normalised(rows, dim);
        double total = 0;
        long pairs = 0;
        for (int i = 0; i < x.length; i++) {
            for (int j = i + 1; j < x.length; j++) {
                total += Math.exp(-2 * squaredDistance(x[i], x[j]));
                pairs++;
            }
        }
        return Math.log(total / Math.max(1, pairs));
    }

    private static double[][] normalised(float[] rows, int dim) {
        int n = rows.length / dim;
        double[][] out = new double[n][dim];
        for (int i = 0; i < n; i++) {
            double norm = 0;
            for (int d = 0; d < dim; d++) {
                norm += (double) rows[i * dim + d] * rows[i * dim + d];
            }
            norm = Math.max(Math.sqrt(norm), 1e-12);
            for (int d = 0; d < dim; d++) {
                out[i][d] = rows[i * dim + d] / norm;
            }
        }
        return out;
    }

    private static double squaredDistance(double[] a, double[] b) {
        double s = 0;
        for (int d = 0; d < a.length; d++) {
            s += (a[d] - b[d]) * (a[d] - b[d]);
        }
        return s;
    }

    /** Cyclic Jacobi eigenvalue iteration for a symmetric matrix (destroys its input). */
    static double[] symmetricEigenvalues(double[][] a) {
        int n = a.length;
        for (int sweep = 0; sweep < 50; sweep++) {
            double off = 0;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    off += a[p][q] * a[p][q];
                }
            }
            if (off < 1e-18) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (Math.abs(a[p][q]) < 1e-300) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++) {
                        double akp = a[k][p];
                        double akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++) {
                        double apk = a[p][k];
                        double aqk = a[q][k];
                        a[p][k] = c * apk - s * aqk;
                        a[q][k] = s * apk + c * aqk;
                    }
                }
            }
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = a[i][i];
        }
        return out;
    }
}
