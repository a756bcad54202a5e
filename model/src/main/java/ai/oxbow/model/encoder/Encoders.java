package ai.oxbow.model.encoder;

import ai.djl.nn.Block;
import java.util.List;

/** The encoder architectures selectable by name (`--encoder`). */
public final class Encoders {
    public static final List<String> NAMES = List.of("small-cnn", "resnet18", "vit-tiny");

    private Encoders() {}

    public static Block build(String name) {
        return switch (name) {
            case "small-cnn" -> SmallCnn.build();
            case "resnet18" -> ResNet18.build();
            case "vit-tiny" -> new VitTiny();
            default -> throw unknown(name);
        };
    }

    public static int dim(String name) {
        return switch (name) {
            case "small-cnn" -> SmallCnn.DIM;
            case "resnet18" -> ResNet18.DIM;
            case "vit-tiny" -> VitTiny.DIM;
            default -> throw unknown(name);
        };
    }

    private static IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("unknown encoder '" + name + "', expected one of " + NAMES);
    }
}
