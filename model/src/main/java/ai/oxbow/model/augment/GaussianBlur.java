package ai.oxbow.model.augment;

/**
 * torchvision.transforms.v2.functional.gaussian_blur with one kernel size and sigma for both
 * axes: a normalised Gaussian of {@code kernelSize} taps at integer offsets, reflect padding
 * (the edge pixel is not repeated) and a convolution. torchvision convolves with the outer
 * product of the 1-D kernel; applying the 1-D kernel along rows and then columns is the same
 * sum in another order (equal up to float rounding) at a fraction of the cost.
 */
public final class GaussianBlur {
    private GaussianBlur() {}

    /**
     * SimCLR's kernel (Chen et al. 2020, appendix A: "kernel size is set to be 10% of the
     * image height/width"; BYOL uses 23 for 224): a tenth of the side made odd, as SimCLR's TF code
     * takes {@code 2 * (size / 10 / 2) + 1}. 3 for 28 and 32, 9 for 96, 23 for 224.
     */
    public static int kernelSizeFor(int size) {
        return (size / 10) | 1;
    }

    /** The image blurred with an odd kernel size and sigma > 0. */
    public static Chw blur(Chw img, int kernelSize, double sigma) {
        if (kernelSize < 1 || kernelSize % 2 == 0 || !(sigma > 0)) {
            throw new IllegalArgumentException(
                    "blur needs an odd kernel size and sigma > 0, got " + kernelSize + " and " + sigma);
        }
        float[] kernel = kernel(kernelSize, sigma);
        int r = kernelSize / 2;
        int h = img.height();
        int w = img.width();
        int lines = img.channels() * h;
        float[] src = img.data();
        Lines sums = new Lines();
        // Along rows: every row reflect-padded by r, the padded rows laid end to end and
        // convolved as one line; output x of a row sits at the row's padded start + x and reads
        // only that padded row.
        int pw = w + 2 * r;
        float[] padded = new float[lines * pw];
        for (int row = 0; row < lines; row++) {
            System.arraycopy(src, row * w, padded, row * pw + r, w);
            for (int x = 0; x < r; x++) {
                padded[row * pw + x] = src[row * w + reflect(x - r, w)];
                padded[row * pw + r + w + x] = src[row * w + reflect(w + x, w)];
            }
        }
        float[] convolved = new float[padded.length];
        sums.weightedSum(padded, 0, 1, kernel, 0, kernelSize, convolved, 0, padded.length - 2 * r);
        // Along columns: each channel's rows (without their padding) reflect-padded by r rows
        // and convolved as one line whose taps are a row apart.
        int ph = h + 2 * r;
        float[] tall = new float[img.channels() * ph * w];
        for (int c = 0; c < img.channels(); c++) {
            for (int y = 0; y < ph; y++) {
                System.arraycopy(convolved, (c * h + reflect(y - r, h)) * pw, tall, (c * ph + y) * w, w);
            }
        }
        float[] out = new float[src.length];
        for (int c = 0; c < img.channels(); c++) {
            sums.weightedSum(tall, c * ph * w, w, kernel, 0, kernelSize, out, c * h * w, h * w);
        }
        return img.with(out);
    }

    /** torchvision's {@code _get_gaussian_kernel1d}: exp(-x^2 / (2 sigma^2)) at x = -r..r, normalised. */
    static float[] kernel(int size, double sigma) {
        float[] kernel = new float[size];
        double half = (size - 1) * 0.5;
        double sum = 0;
        for (int i = 0; i < size; i++) {
            double x = (i - half) / sigma;
            sum += kernel[i] = (float) Math.exp(-0.5 * x * x);
        }
        for (int i = 0; i < size; i++) {
            kernel[i] = (float) (kernel[i] / sum);
        }
        return kernel;
    }

    /**
     * torch's "reflect" padding index ({@code -1 -> 1}, {@code n -> n - 2}), continued
     * periodically so that a kernel wider than the image (which torch rejects) still works.
     */
    static int reflect(int i, int n) {
        if (n == 1) {
            return 0;
        }
        int period = 2 * (n - 1);
        int m = Math.floorMod(i, period);
        return m < n ? m : period - m;
    }
}
