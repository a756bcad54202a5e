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
            default -> throw unknown(name);
        };
    }

    /**
     * A method's published optimiser: base learning rate for a batch of 256 (scaled linearly
     * to the actual batch), weight decay, and the optimiser's momentum (AdamW: beta1).
     */
    public record Defaults(String optimizer, float baseLearningRate, float weightDecay, float momentum) {}

    public static Defaults defaults(String name) {
        return switch (name) {
            case "mocov2" -> new Defaults("sgd", 0.3f, 1e-4f, 0.9f);
            case "nnclr" -> new Defaults("lars", 0.4f, 1e-5f, 0.9f);
            default -> throw unknown(name);
        };
    }

    private static IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("unknown method '" + name + "', expected one of " + NAMES);
    }
}
