package ai.oxbow.model.method;

import java.util.List;

/** The methods selectable by name (`--method`). */
public final class Methods {
    public static final List<String> NAMES = List.of(
            "simclr", "mocov2", "byol", "simsiam", "barlow", "vicreg", "swav", "nnclr", "wmse", "dino", "meanshift");

    private Methods() {}

    public static SslMethod create(String name, MethodSetup setup) {
        return switch (name) {
            case "mocov2" -> new MoCoV2Plus(setup);
            case "nnclr" -> new Nnclr(setup);
            case "simclr" -> new SimClr(setup);
            case "byol" -> new Byol(setup);
            case "simsiam" -> new SimSiam(setup);
            case "barlow" -> new BarlowTwins(setup);
            case "vicreg" -> new VicReg(setup);
            case "wmse" -> new WMse(setup);
            case "swav" -> new SwAV(setup);
            case "dino" -> new Dino(setup);
            case "meanshift" -> new MeanShift(setup);
            default -> throw unknown(name);
        };
    }

    /**
     * A method's published optimiser: base learning rate for a batch of 256 (scaled linearly
     * to the actual batch), weight decay, and the optimiser's momentum (AdamW: beta1). Sources:
     * solo-learn's CIFAR configs (scripts/pretrain/cifar/*.yaml) unless noted.
     */
    public record Defaults(String optimizer, float baseLearningRate, float weightDecay, float momentum,
                           String recipe) {}

    public static Defaults defaults(String name) {
        return switch (name) {
            case "mocov2" -> new Defaults("sgd", 0.3f, 1e-4f, 0.9f, "mocov2");
            case "nnclr" -> new Defaults("lars", 0.4f, 1e-5f, 0.9f, "byol");
            case "simclr" -> new Defaults("lars", 0.4f, 1e-4f, 0.9f, "simclr");
            case "byol" -> new Defaults("lars", 1.0f, 1e-5f, 0.9f, "byol");
            // SimSiam paper, ImageNet baseline (Sec. 4): SGD 0.05 per 256, wd 1e-4.
            case "simsiam" -> new Defaults("sgd", 0.05f, 1e-4f, 0.9f, "mocov2");
            case "barlow" -> new Defaults("lars", 0.3f, 1e-4f, 0.9f, "byol");
            case "vicreg" -> new Defaults("lars", 0.3f, 1e-4f, 0.9f, "byol");
            // W-MSE: solo-learn cifar/wmse.yaml (the paper's Adam with L2 decay; AdamW is negligibly different at 1e-6).
            case "wmse" -> new Defaults("adamw", 2e-3f, 1e-6f, 0.9f, "simclr");
            case "swav" -> new Defaults("lars", 0.6f, 1e-6f, 0.9f, "multicrop");
            case "dino" -> new Defaults("lars", 0.3f, 1e-6f, 0.9f, "multicrop");
            // Official Mean Shift code (train_msf.py): SGD 0.05 per 256, wd 1e-4.
            case "meanshift" -> new Defaults("sgd", 0.05f, 1e-4f, 0.9f, "byol");
            default -> throw unknown(name);
        };
    }

    private static IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("unknown method '" + name + "', expected one of " + NAMES);
    }
}
