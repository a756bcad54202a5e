package ai.oxbow.model.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Each operation against torchvision's output for the same input and parameters, within 1/255
 * per pixel. The fixtures come from src/test/resources/augment/make_fixtures.py (format there).
 */
class TorchvisionFixturesTest {
    private static final float TOLERANCE = 1f / 255;

    record Fixture(String name, String input, double[] params, Chw image) {}

    @TestFactory
    List<DynamicTest> operationsMatchTorchvision() throws IOException {
        Map<String, Fixture> fixtures = read();
        List<DynamicTest> tests = new ArrayList<>();
        for (Fixture f : fixtures.values()) {
            if (!f.input().isEmpty()) {
                tests.add(DynamicTest.dynamicTest(
                        f.name(),
                        () -> assertClose(
                                f.image(), apply(f, fixtures.get(f.input()).image()))));
            }
        }
        assertTrue(tests.size() >= 20, "fixture cases: " + tests.size());
        return tests;
    }

    private static Chw apply(Fixture f, Chw in) {
        double[] p = f.params();
        String op = f.name().substring(0, f.name().indexOf('/'));
        return switch (op) {
            case "resized_crop" ->
                Resize.resizedCrop(
                        in, new CropBox((int) p[0], (int) p[1], (int) p[2], (int) p[3]), (int) p[4], (int) p[5]);
            case "hflip" -> Flip.horizontal(in);
            case "rgb_to_grayscale" -> Color.grayscale(in);
            case "solarize" -> Color.solarize(in, p[0]);
            case "adjust_brightness" -> Color.adjustBrightness(in, p[0]);
            case "adjust_contrast" -> Color.adjustContrast(in, p[0]);
            case "adjust_saturation" -> Color.adjustSaturation(in, p[0]);
            case "adjust_hue" -> Color.adjustHue(in, p[0]);
            case "gaussian_blur" -> GaussianBlur.blur(in, (int) p[0], p[1]);
            default -> throw new IllegalArgumentException("no operation for fixture " + f.name());
        };
    }

    static void assertClose(Chw expected, Chw actual) {
        assertEquals(expected.channels(), actual.channels(), "channels");
        assertEquals(expected.height(), actual.height(), "height");
        assertEquals(expected.width(), actual.width(), "width");
        for (int i = 0; i < expected.data().length; i++) {
            assertEquals(expected.data()[i], actual.data()[i], TOLERANCE, "pixel " + i);
        }
    }

    static Map<String, Fixture> read() throws IOException {
        Map<String, Fixture> fixtures = new LinkedHashMap<>();
        try (InputStream raw = TorchvisionFixturesTest.class.getResourceAsStream("/augment/torchvision.bin");
                DataInputStream in = new DataInputStream(raw)) {
            while (true) {
                String name;
                try {
                    name = in.readUTF();
                } catch (EOFException end) {
                    return fixtures;
                }
                String input = in.readUTF();
                double[] params = new double[in.readInt()];
                for (int i = 0; i < params.length; i++) {
                    params[i] = in.readDouble();
                }
                int c = in.readInt();
                int h = in.readInt();
                int w = in.readInt();
                float[] data = new float[c * h * w];
                for (int i = 0; i < data.length; i++) {
                    data[i] = in.readFloat();
                }
                fixtures.put(name, new Fixture(name, input, params, new Chw(data, c, h, w)));
            }
        }
    }
}
