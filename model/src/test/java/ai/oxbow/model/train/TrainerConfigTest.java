package ai.oxbow.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.lang.reflect.RecordComponent;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainerConfigTest {
    /** Options as a method reads them: the given one and a default it fell back on. */
    static final Map<String, String> IN_FORCE = Map.of("queue_size", "48", "temperature", "0.2");

    /** A configuration whose every component differs from the defaults it started from. */
    static TrainerConfig unlikeTheDefaults() {
        TrainerConfig d = TrainerConfig.defaults("mocov2", "resnet18", 3, 32, 128);
        TrainerConfig.Builder b = d.toBuilder();
        b.method = "byol";
        b.encoder = "small-cnn";
        b.channels = 1;
        b.size = 28;
        b.globalViews = 4;
        b.seed = 7;
        b.optimizer = "adamw";
        b.learningRate = 0.123f;
        b.momentum = 0.8f;
        b.weightDecay = 3e-5f;
        b.warmupSteps = 11;
        b.horizonSteps = 999;
        b.cosine = true;
        b.mean = new float[] {0.1f, 0.2f, 0.3f};
        b.std = new float[] {0.4f, 0.5f, 0.6f};
        b.methodOptions = new HashMap<>(Map.of("queue_size", "48"));
        b.scanClusters = 5;
        b.scanSelfLabel = true;
        TrainerConfig c = b.build();
        for (RecordComponent rc : TrainerConfig.class.getRecordComponents()) {
            assertFalse(same(value(rc, d), value(rc, c)), rc.getName() + " differs from the default");
        }
        return c;
    }

    @Test
    void everyComponentRoundTripsThroughTheNamedFields() {
        TrainerConfig c = unlikeTheDefaults();
        TrainerConfig back = TrainerConfig.fromFields(c.fields(IN_FORCE));
        for (RecordComponent rc : TrainerConfig.class.getRecordComponents()) {
            Object expected = rc.getName().equals("methodOptions") ? IN_FORCE : value(rc, c);
            Object actual = value(rc, back);
            if (expected instanceof float[] floats) {
                assertArrayEquals(floats, (float[]) actual, rc.getName());
            } else {
                assertEquals(expected, actual, rc.getName());
            }
        }
        assertEquals(c.fields(IN_FORCE), back.fields(IN_FORCE));
    }

    @Test
    void scanFieldsAppearOnlyWhenScanIsOn() {
        TrainerConfig.Builder b = unlikeTheDefaults().toBuilder();
        b.scanClusters = 0;
        b.scanSelfLabel = false;
        TrainerConfig off = b.build();
        assertFalse(off.fields(IN_FORCE).containsKey("scan_clusters"));
        assertFalse(off.fields(IN_FORCE).containsKey("scan_self_label"));
        TrainerConfig back = TrainerConfig.fromFields(off.fields(IN_FORCE));
        assertEquals(0, back.scanClusters());
        assertFalse(back.scanSelfLabel());
        assertNotEquals(off.fields(IN_FORCE), unlikeTheDefaults().fields(IN_FORCE));
    }

    private static Object value(RecordComponent rc, TrainerConfig c) {
        try {
            return rc.getAccessor().invoke(c);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static boolean same(Object a, Object b) {
        return a instanceof float[] x ? java.util.Arrays.equals(x, (float[]) b) : a.equals(b);
    }
}
