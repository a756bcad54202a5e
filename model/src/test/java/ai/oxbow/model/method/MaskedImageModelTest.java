package ai.oxbow.model.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.oxbow.model.head.MaeDecoder;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TestData;
import java.util.Arrays;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** MAE's and SimMIM's masking, targets and what their encoders may see. */
class MaskedImageModelTest {

    @Test
    void patchesAreRowMajorWithValuesInRowColumnChannelOrder() {
        try (NDManager nd = NDManager.newBaseManager("PyTorch")) {
            float[] image = new float[2 * 8 * 8];
            for (int c = 0; c < 2; c++) {
                for (int y = 0; y < 8; y++) {
                    for (int x = 0; x < 8; x++) {
                        image[(c * 8 + y) * 8 + x] = c * 1000 + y * 10 + x;
                    }
                }
            }
            float[] patches = MaskedImageModel.patchify(nd.create(image, new Shape(1, 2, 8, 8)))
                    .toFloatArray();
            assertEquals(4 * 32, patches.length);
            for (int py = 0; py < 2; py++) {
                for (int px = 0; px < 2; px++) {
                    for (int i = 0; i < 4; i++) {
                        for (int j = 0; j < 4; j++) {
                            for (int c = 0; c < 2; c++) {
                                float expected = c * 1000 + (py * 4 + i) * 10 + px * 4 + j;
                                assertEquals(expected, patches[(py * 2 + px) * 32 + (i * 4 + j) * 2 + c]);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void sineCosinePositionsEncodeColumnThenRow() {
        float[] pos = MaeDecoder.sinCosPositions(4, 3);
        assertArrayEquals(new float[4], Arrays.copyOf(pos, 4), "the CLS row is zero");
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 3; c++) {
                float[] row = Arrays.copyOfRange(pos, (1 + r * 3 + c) * 4, (2 + r * 3 + c) * 4);
                assertArrayEquals(
                        new float[] {(float) Math.sin(c), (float) Math.cos(c), (float) Math.sin(r), (float) Math.cos(r)
                        },
                        row,
                        1e-7f);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> MaeDecoder.sinCosPositions(6, 2));
    }

    /** 16 x 16 test images make a 4 x 4 grid: MAE keeps int(16 x 0.25) = 4 patches, SimMIM masks ceil(16 x 0.6) = 10. */
    @ParameterizedTest
    @ValueSource(strings = {"mae", "simmim"})
    void masksHideTheRatioOfEachImageAndRestoreTheirOrder(String method) {
        int hidden = method.equals("mae") ? 12 : 10;
        try (SslTrainer t = new SslTrainer(TestData.config(method, "vit-tiny"));
                NDManager nd = NDManager.newBaseManager("PyTorch")) {
            MaskedImageModel m = (MaskedImageModel) t.method();
            NDArray images = nd.zeros(new Shape(TestData.BATCH, 1, TestData.SIZE, TestData.SIZE));
            MaskedImageModel.Masks masks = m.masks(images, 3, 0);
            float[] masked = masks.masked().toFloatArray();
            long[] keep = masks.keep().toLongArray();
            long[] restore = masks.restore().toLongArray();
            assertEquals(4, masks.grid());
            assertEquals(16 - hidden, keep.length / TestData.BATCH);
            TreeSet<String> distinct = new TreeSet<>();
            for (int i = 0; i < TestData.BATCH; i++) {
                float[] row = Arrays.copyOfRange(masked, i * 16, (i + 1) * 16);
                distinct.add(Arrays.toString(row));
                assertEquals(hidden, (int) sum(row), "masked patches of image " + i);
                int previous = -1;
                for (int k = 0; k < 16 - hidden; k++) {
                    int j = (int) keep[i * (16 - hidden) + k];
                    assertTrue(j > previous, "visible patches ascend");
                    assertEquals(0f, row[j], "a kept patch is visible");
                    assertEquals(k, restore[i * 16 + j], "a visible patch comes back from its place");
                    previous = j;
                }
                long[] places = Arrays.copyOfRange(restore, i * 16, (i + 1) * 16);
                Arrays.sort(places);
                for (int j = 0; j < 16; j++) {
                    assertEquals(j, places[j], "restore is a permutation");
                }
            }
            assertTrue(distinct.size() > 1, "images draw their own masks");
            assertArrayEquals(
                    masked, m.masks(images, 3, 0).masked().toFloatArray(), "the same step draws the same masks");
            assertFalse(Arrays.equals(masked, m.masks(images, 4, 0).masked().toFloatArray()), "another step, others");
            assertFalse(Arrays.equals(masked, m.masks(images, 3, 1).masked().toFloatArray()), "another view, others");
        }
    }

    /**
     * MAE's encoder sees the visible patches only and SimMIM's sees mask tokens in place of the
     * masked ones: changing the masked patches' pixels leaves the encoder's output (and SimMIM's
     * prediction) exactly as it was, while the loss, whose target they are, changes.
     */
    @ParameterizedTest
    @ValueSource(strings = {"mae", "simmim"})
    void maskedPixelsReachTheTargetOnly(String method) {
        try (SslTrainer t = new SslTrainer(TestData.config(method, "vit-tiny"));
                NDManager nd = NDManager.newBaseManager("PyTorch")) {
            MaskedImageModel m = (MaskedImageModel) t.method();
            Shape shape = new Shape(TestData.BATCH, 1, TestData.SIZE, TestData.SIZE);
            NDArray images = nd.create(TestData.views(TestData.BATCH, TestData.SIZE, 1, 5)[0], shape);
            MaskedImageModel.Masks masks = m.masks(images, 0, 0);
            // Upsample the (N, 4, 4) patch mask to pixels and add noise where it is 1.
            NDArray pixelMask = masks.masked()
                    .reshape(TestData.BATCH, 1, 4, 1, 4, 1)
                    .broadcast(TestData.BATCH, 1, 4, 4, 4, 4)
                    .reshape(shape);
            NDArray changed = images.add(pixelMask.mul(nd.randomNormal(shape)));
            assertNotEquals(0f, changed.sub(images).abs().sum().getFloat());
            MaskedImageModel.Reconstruction a = m.reconstruct(images, masks);
            MaskedImageModel.Reconstruction b = m.reconstruct(changed, masks);
            assertArrayEquals(a.cls().toFloatArray(), b.cls().toFloatArray(), "the encoder does not see masked pixels");
            assertNotEquals(a.loss().getFloat(), b.loss().getFloat(), "masked pixels are the target");
        }
    }

    @Test
    void aConvolutionalEncoderIsRefusedByName() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new SslTrainer(TestData.config("mae", "small-cnn")));
        assertTrue(e.getMessage().contains("--encoder vit-tiny"), e.getMessage());
    }

    private static float sum(float[] values) {
        float s = 0;
        for (float v : values) {
            s += v;
        }
        return s;
    }
}
