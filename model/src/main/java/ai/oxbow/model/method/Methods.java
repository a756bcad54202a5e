package ai.oxbow.model.method;

import ai.oxbow.model.util.Nearest;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The methods selectable by name (`--method`). */
public final class Methods {
    public static final List<String> NAMES = List.of(
            "simclr", "mocov2", "byol", "simsiam", "barlow", "vicreg", "swav", "nnclr", "wmse", "dino", "meanshift",
            "emp", "mae", "simmim");

    /** The masked-image-modelling methods: they mask a vision transformer's patches (--encoder vit-tiny). */
    public static final List<String> MASKED = List.of("mae", "simmim");

    /** The method of `demo` and `run` when none is named: the best measured one-pass method (README, "Quality"). */
    public static final String DEFAULT = "emp";

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
            case "emp" -> new Emp(setup);
            case "mae" -> new Mae(setup);
            case "simmim" -> new SimMim(setup);
            default -> throw unknown(name);
        };
    }

    /**
     * A method's defaults. The published optimiser: base learning rate for a batch of 256 (scaled
     * linearly to the actual batch), weight decay, and the optimiser's momentum (AdamW: beta1);
     * sources: solo-learn's CIFAR configs (scripts/pretrain/cifar/*.yaml) unless noted. Then the
     * views (augmentation recipe and its options, e.g. {@code views=8,local_crops=6}) and the
     * updates per event of a one-pass stream, set from the measurements in README ("Quality").
     */
    public record Defaults(String optimizer, float baseLearningRate, float weightDecay, float momentum,
                           String recipe, String recipeOptions, double updatesPerEvent) {}

    /** SwAV's local crops, added to a two-view recipe. */
    private static final String LOCAL_CROPS = "local_crops=6";

    public static Defaults defaults(String name) {
        return switch (name) {
            // Views: two global views and SwAV's six local crops (multi-crop, Caron et al. 2020) for
            // every method but EMP-SSL, W-MSE and SimSiam; updates per event 4 (W-MSE, DINO 8), or
            // 2 where the projector heads make a step so costly that four would not fit one pass
            // into ~30 minutes on 2 cores.
            case "mocov2" -> new Defaults("sgd", 0.3f, 1e-4f, 0.9f, "mocov2", LOCAL_CROPS, 4);
            case "nnclr" -> new Defaults("lars", 0.4f, 1e-5f, 0.9f, "byol", LOCAL_CROPS, 2);
            case "simclr" -> new Defaults("lars", 0.4f, 1e-4f, 0.9f, "simclr", LOCAL_CROPS, 4);
            case "byol" -> new Defaults("lars", 1.0f, 1e-5f, 0.9f, "byol", LOCAL_CROPS, 4);
            // BYOL's optimiser and two views at u = 4: the paper's SGD 0.05 per 256 (wd 1e-4) stays
            // under the untrained encoder in one pass, and so does solo-learn's SGD 0.5 (wd 1e-5);
            // README, "Quality": 0.7385 and 0.7461 vs 0.7736 kNN (untrained 0.7509) at 10,000 events.
            case "simsiam" -> new Defaults("lars", 1.0f, 1e-5f, 0.9f, "mocov2", "", 4);
            case "barlow" -> new Defaults("lars", 0.3f, 1e-4f, 0.9f, "byol", LOCAL_CROPS, 2);
            case "vicreg" -> new Defaults("lars", 0.3f, 1e-4f, 0.9f, "byol", LOCAL_CROPS, 2);
            // W-MSE: solo-learn cifar/wmse.yaml (the paper's Adam with L2 decay; AdamW is negligibly
            // different at 1e-6). Views: the paper's W-MSE 4 (four global views, every pair), which
            // beat 2 + 6 local crops at 10,000 events (README, "Quality": 0.7805 vs 0.7571 kNN);
            // u = 8, which lifted the 60,000-event kNN over raw pixels (0.8520 vs 0.8441 at u = 4).
            case "wmse" -> new Defaults("adamw", 2e-3f, 1e-6f, 0.9f, "simclr", "views=4,local_crops=0", 8);
            case "swav" -> new Defaults("lars", 0.6f, 1e-6f, 0.9f, "multicrop", "", 4);
            // DINO: u = 8 lifted the 60,000-event kNN over raw pixels (README, "Quality": 0.8566 vs
            // 0.8442 at u = 4).
            case "dino" -> new Defaults("lars", 0.3f, 1e-6f, 0.9f, "multicrop", "", 8);
            // BYOL's optimiser (Mean Shift is BYOL with k target neighbours): the official code's
            // SGD 0.05 per 256 (train_msf.py, 200 epochs) stays under the untrained encoder in one
            // pass (README, "Quality": 0.744 vs 0.7534 kNN, 0.770 vs 0.8348 linear at 10,000 events).
            case "meanshift" -> new Defaults("lars", 1.0f, 1e-5f, 0.9f, "byol", LOCAL_CROPS, 4);
            // EMP-SSL README: LARS-wrapped SGD, lr 0.3 at batch 100, wd 1e-4. Oxbow's one-pass
            // default, from its measurements (README, "Quality"): 16 patches at their native 14 x 14
            // (the paper resizes them to the full size), 4 updates per event, lr 0.3 at batch 64.
            case "emp" -> new Defaults("lars", 1.2f, 1e-4f, 0.9f, "emp", "views=16,size=14", 4);
            // MAE's pre-training (Table 8): AdamW (beta1 0.9; beta2 0.95 is the method's), base lr
            // 1.5e-4 per 256, wd 0.05; one crop of scale 0.2 to 1.
            case "mae" -> new Defaults("adamw", 1.5e-4f, 0.05f, 0.9f, "mim", "", 1);
            // SimMIM's ViT-B pre-training: AdamW, lr 8e-4 at batch 2048 (1e-4 per 256), wd 0.05;
            // crops of scale 0.67 to 1.
            case "simmim" -> new Defaults("adamw", 1e-4f, 0.05f, 0.9f, "mim", "scale=0.67:1", 1);
            default -> throw unknown(name);
        };
    }

    /**
     * Fails on a method option key the method does not read (e.g. queue_size given to SimCLR),
     * naming the nearest key it does read: a typo must not pass silently.
     */
    public static void checkOptions(String name, Map<String, String> options) {
        Set<String> known = optionKeys(name);
        for (String key : new TreeSet<>(options.keySet())) {
            if (!known.contains(key)) {
                throw new IllegalArgumentException("unknown method option '" + key + "' for " + name
                        + Nearest.hint(key, known) + ", expected one of " + known);
            }
        }
    }

    /** The option keys a method reads: its Params' and every method's view_forward. */
    public static Set<String> optionKeys(String name) {
        MethodOptions o = new MethodOptions(Map.of());
        switch (name) {
            case "mocov2" -> MoCoV2Plus.Params.from(o);
            case "nnclr" -> Nnclr.Params.from(o);
            case "simclr" -> SimClr.Params.from(o);
            case "byol" -> Byol.Params.from(o);
            case "simsiam" -> SimSiam.Params.from(o);
            case "barlow" -> BarlowTwins.Params.from(o);
            case "vicreg" -> VicReg.Params.from(o);
            case "wmse" -> WMse.Params.from(o);
            case "swav" -> SwAV.Params.from(o);
            case "dino" -> Dino.Params.from(o);
            case "meanshift" -> MeanShift.Params.from(o, 512);
            case "emp" -> Emp.Params.from(o);
            case "mae" -> Mae.Params.from(o);
            case "simmim" -> SimMim.Params.from(o);
            default -> throw unknown(name);
        }
        Set<String> keys = new TreeSet<>(o.resolved().keySet());
        keys.add(SslMethod.VIEW_FORWARD);
        return keys;
    }

    private static IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("unknown method '" + name + "', expected one of " + NAMES);
    }
}
