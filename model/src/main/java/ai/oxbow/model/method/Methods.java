package ai.oxbow.model.method;

import java.util.List;

/** The methods selectable by name (`--method`). */
public final class Methods {
    public static final List<String> NAMES = List.of("mocov2", "nnclr");

    private Methods() {}

    public static SslMethod create(String name, MethodSetup setup) {
        return switch (name) {
            case "mocov2" -> new MoCoV2Plus(setup);
            case "nnclr" -> new Nnclr(setup);
            default -> throw new IllegalArgumentException(
                    "unknown method '" + name + "', expected one of " + NAMES);
        };
    }

    /** Base learning rate for a batch of 256 (linearly scaled to the actual batch). */
    public static float baseLearningRate(String name) {
        return switch (name) {
            case "mocov2" -> 0.3f;
            case "nnclr" -> 0.4f;
            default -> throw new IllegalArgumentException("unknown method '" + name + "'");
        };
    }
}
