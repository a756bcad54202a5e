package ai.oxbow.model.method;

import ai.oxbow.model.util.Nearest;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;

/** The methods selectable by name (`--method`): one {@link Spec} each, and what is read from it. */
public final class Methods {
    /**
     * A method's published defaults. The optimiser: base learning rate for a batch of 256 (scaled
     * linearly to the actual batch), weight decay, and the optimiser's momentum (AdamW: beta1);
     * sources: solo-learn's CIFAR configs (scripts/pretrain/cifar/*.yaml) unless noted. Then the
     * views (augmentation recipe and its options, e.g. {@code views=8,local_crops=6}) and the
     * updates per event of a one-pass stream, set from the measurements in docs/quality.md.
     */
    public record Defaults(
            String optimizer,
            float baseLearningRate,
            float weightDecay,
            float momentum,
            String recipe,
            String recipeOptions,
            double updatesPerEvent) {}

    /**
     * Everything Oxbow knows of a method by its name.
     *
     * @param create  builds it
     * @param params  reads its options (its Params record), which records the keys it reads
     * @param masked  masks a vision transformer's patches (masked image modelling): needs
     *                {@code --encoder vit-tiny}
     */
    public record Spec(
            String name,
            Function<MethodSetup, SslMethod> create,
            Consumer<MethodOptions> params,
            Defaults defaults,
            boolean masked) {}

    /** SwAV's local crops, added to a two-view recipe. */
    private static final String LOCAL_CROPS = "local_crops=6";

    // Views: two global views and SwAV's six local crops (multi-crop, Caron et al. 2020) for every
    // method but EMP-SSL, W-MSE and SimSiam; updates per event 4 (W-MSE, DINO 8), or 2 where the
    // projector heads make a step so costly that four would not fit one pass into ~30 minutes on 2 cores.
    private static final List<Spec> SPECS = List.of(
            new Spec(
                    "simclr",
                    SimClr::new,
                    SimClr.Params::from,
                    new Defaults("lars", 0.4f, 1e-4f, 0.9f, "simclr", LOCAL_CROPS, 4),
                    false),
            new Spec(
                    "mocov2",
                    MoCoV2Plus::new,
                    MoCoV2Plus.Params::from,
                    new Defaults("sgd", 0.3f, 1e-4f, 0.9f, "mocov2", LOCAL_CROPS, 4),
                    false),
            new Spec(
                    "byol",
                    Byol::new,
                    Byol.Params::from,
                    new Defaults("lars", 1.0f, 1e-5f, 0.9f, "byol", LOCAL_CROPS, 4),
                    false),
            // BYOL's optimiser and two views at u = 4: the paper's SGD 0.05 per 256 (wd 1e-4) stays
            // under the untrained encoder in one pass, and so does solo-learn's SGD 0.5 (wd 1e-5);
            // docs/quality.md: 0.7385 and 0.7461 vs 0.7736 kNN (untrained 0.7509) at 10,000 events.
            new Spec(
                    "simsiam",
                    SimSiam::new,
                    SimSiam.Params::from,
                    new Defaults("lars", 1.0f, 1e-5f, 0.9f, "mocov2", "", 4),
                    false),
            new Spec(
                    "barlow",
                    BarlowTwins::new,
                    BarlowTwins.Params::from,
                    new Defaults("lars", 0.3f, 1e-4f, 0.9f, "byol", LOCAL_CROPS, 2),
                    false),
            new Spec(
                    "vicreg",
                    VicReg::new,
                    VicReg.Params::from,
                    new Defaults("lars", 0.3f, 1e-4f, 0.9f, "byol", LOCAL_CROPS, 2),
                    false),
            new Spec(
                    "swav",
                    SwAV::new,
                    SwAV.Params::from,
                    new Defaults("lars", 0.6f, 1e-6f, 0.9f, "multicrop", "", 4),
                    false),
            new Spec(
                    "nnclr",
                    Nnclr::new,
                    Nnclr.Params::from,
                    new Defaults("lars", 0.4f, 1e-5f, 0.9f, "byol", LOCAL_CROPS, 2),
                    false),
            // W-MSE: solo-learn cifar/wmse.yaml (the paper's Adam with L2 decay; AdamW is negligibly
            // different at 1e-6). Views: the paper's W-MSE 4 (four global views, every pair), which
            // beat 2 + 6 local crops at 10,000 events (docs/quality.md: 0.7805 vs 0.7571 kNN);
            // u = 8, which lifted the 60,000-event kNN over raw pixels (0.8520 vs 0.8441 at u = 4).
            new Spec(
                    "wmse",
                    WMse::new,
                    WMse.Params::from,
                    new Defaults("adamw", 2e-3f, 1e-6f, 0.9f, "simclr", "views=4,local_crops=0", 8),
                    false),
            // DINO: u = 8 lifted the 60,000-event kNN over raw pixels (docs/quality.md: 0.8566 vs
            // 0.8442 at u = 4).
            new Spec(
                    "dino",
                    Dino::new,
                    Dino.Params::from,
                    new Defaults("lars", 0.3f, 1e-6f, 0.9f, "multicrop", "", 8),
                    false),
            // BYOL's optimiser (Mean Shift is BYOL with k target neighbours): the official code's
            // SGD 0.05 per 256 (train_msf.py, 200 epochs) stays under the untrained encoder in one
            // pass (docs/quality.md: 0.744 vs 0.7534 kNN, 0.770 vs 0.8348 linear at 10,000 events).
            // Its Params take the feature dimension, which sizes what it reads, not which keys.
            new Spec(
                    "meanshift",
                    MeanShift::new,
                    o -> MeanShift.Params.from(o, 512),
                    new Defaults("lars", 1.0f, 1e-5f, 0.9f, "byol", LOCAL_CROPS, 4),
                    false),
            // EMP-SSL README: LARS-wrapped SGD, lr 0.3 at batch 100, wd 1e-4. Oxbow's one-pass
            // default, from its measurements (docs/quality.md): 16 patches at their native 14 x 14
            // (the paper resizes them to the full size), 4 updates per event, lr 0.3 at batch 64.
            new Spec(
                    "emp",
                    Emp::new,
                    Emp.Params::from,
                    new Defaults("lars", 1.2f, 1e-4f, 0.9f, "emp", "views=16,size=14", 4),
                    false),
            // MAE's pre-training (Table 8): AdamW (beta1 0.9; beta2 0.95 is the method's), base lr
            // 1.5e-4 per 256, wd 0.05; one crop of scale 0.2 to 1.
            new Spec(
                    "mae", Mae::new, Mae.Params::from, new Defaults("adamw", 1.5e-4f, 0.05f, 0.9f, "mim", "", 1), true),
            // SimMIM's ViT-B pre-training: AdamW, lr 8e-4 at batch 2048 (1e-4 per 256), wd 0.05;
            // crops of scale 0.67 to 1.
            new Spec(
                    "simmim",
                    SimMim::new,
                    SimMim.Params::from,
                    new Defaults("adamw", 1e-4f, 0.05f, 0.9f, "mim", "scale=0.67:1", 1),
                    true));

    public static final List<String> NAMES = SPECS.stream().map(Spec::name).toList();

    /** The masked-image-modelling methods: they mask a vision transformer's patches (--encoder vit-tiny). */
    public static final List<String> MASKED =
            SPECS.stream().filter(Spec::masked).map(Spec::name).toList();

    /** The method of `demo` and `run` when none is named: the best measured one-pass method (docs/quality.md). */
    public static final String DEFAULT = "emp";

    private Methods() {}

    public static Spec spec(String name) {
        for (Spec s : SPECS) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown method '" + name + "', expected one of " + NAMES);
    }

    public static SslMethod create(String name, MethodSetup setup) {
        return spec(name).create().apply(setup);
    }

    public static Defaults defaults(String name) {
        return spec(name).defaults();
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
        spec(name).params().accept(o);
        Set<String> keys = new TreeSet<>(o.resolved().keySet());
        keys.add(SslMethod.VIEW_FORWARD);
        return keys;
    }
}
