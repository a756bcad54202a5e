package ai.oxbow.model.augment;

import ai.oxbow.model.util.KeyValues;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An augmentation recipe: the parameters of every view, so that asymmetric recipes (BYOL) and
 * multi-crop are plain lists. View {@code i} of an image is drawn with {@code views().get(i)} in
 * torchvision's order: RandomResizedCrop, RandomHorizontalFlip, RandomApply(ColorJitter),
 * RandomGrayscale, RandomApply(GaussianBlur), RandomSolarize (see {@link Augmenter}).
 *
 * <h2>Named recipes</h2>
 * {@code S} is the trainer's input size. Crops take ratios 3/4 to 4/3 and blur sigmas 0.1 to 2
 * with a kernel of a tenth of the view size made odd ({@link GaussianBlur#kernelSizeFor}).
 * <ul>
 * <li>{@code simclr}: SimCLR (Chen et al. 2020, appendix A): two views; crop scale 0.08 to 1,
 * flip 0.5, ColorJitter(0.4, 0.4, 0.4, 0.1) with p 0.8 (colour strength 0.5, the setting of
 * SimCLR's CIFAR-10 command; its ImageNet runs use strength 1:
 * {@code brightness=0.8,contrast=0.8,saturation=0.8,hue=0.2}), grayscale 0.2, blur 0.5.</li>
 * <li>{@code mocov2}: MoCo v2 (Chen et al. 2020, "Improved Baselines with Momentum Contrastive
 * Learning"): as simclr with crop scale 0.2 to 1.</li>
 * <li>{@code byol}: BYOL (Grill et al. 2020, appendix B, table 6), asymmetric: crop 0.08 to 1,
 * flip 0.5, ColorJitter(0.4, 0.4, 0.2, 0.1) with p 0.8, grayscale 0.2; view 0 always blurred
 * and never solarized, view 1 blurred with p 0.1 and solarized with p 0.2 (threshold 0.5).</li>
 * <li>{@code multicrop}: SwAV's multi-crop (Caron et al. 2020; facebookresearch/swav
 * {@code --size_crops 224 96 --nmb_crops 2 6 --min_scale_crops 0.14 0.05 --max_scale_crops 1 0.14}):
 * views 0 and 1 global at {@code S} with crop scale 0.14 to 1, then {@code local_crops} (6)
 * local views at {@code round(S * 96 / 224)} with scale 0.05 to 0.14; colours as SwAV's
 * {@code get_color_distortion(s=1)}: ColorJitter(0.8, 0.8, 0.8, 0.2) with p 0.8, grayscale
 * 0.2, blur 0.5; flip 0.5. DINO's defaults differ (global 0.4 to 1, eight locals at 0.05 to
 * 0.4): {@code global.scale=0.4:1,local.scale=0.05:0.4,local_crops=8}.</li>
 * <li>{@code emp}: EMP-SSL's fixed-scale patches (Tong et al. 2023, official
 * dataset/aug.py {@code ContrastiveLearningViewGenerator}): {@code views} (20, the README's
 * one-epoch setting) crops of a quarter of the image area (scale 0.25 to 0.25, ratio 1) resized to
 * {@code S}, flip 0.5, ColorJitter(0.4, 0.4, 0.4, 0.2) with p 0.8, grayscale 0.2, blur 0.1,
 * solarize 0.1; every patch is a global view.</li>
 * <li>{@code mim}: masked image modelling's (MAE, He et al. 2022, main_pretrain.py): one view, crop
 * scale 0.2 to 1, flip 0.5, no colour, grayscale, blur or solarization (SimMIM's crop is 0.67 to 1:
 * {@code scale=0.67:1}). Crops are resized bilinearly, where MAE's are bicubic.</li>
 * </ul>
 *
 * <h2>Options</h2>
 * {@link #parse} applies, in this order, the recipe, the input {@link Preset}, the channel count
 * (one channel: saturation, hue and grayscale off, as torchvision makes them no-ops on grey
 * images) and the caller's options. Option keys, with ranges written {@code min:max}:
 * <table>
 * <caption>View options</caption>
 * <tr><th>key</th><th>meaning</th></tr>
 * <tr><td>size</td><td>output side in pixels</td></tr>
 * <tr><td>scale</td><td>crop area fraction range, e.g. {@code 0.08:1}</td></tr>
 * <tr><td>ratio</td><td>crop aspect ratio range, e.g. {@code 0.75:1.3333}</td></tr>
 * <tr><td>flip</td><td>horizontal flip probability</td></tr>
 * <tr><td>jitter</td><td>ColorJitter probability</td></tr>
 * <tr><td>brightness, contrast, saturation</td><td>jitter strengths x: factors in [max(0, 1 - x), 1 + x]; 0 = off</td></tr>
 * <tr><td>hue</td><td>jitter hue strength h in [0, 0.5]: shift in [-h, h]; 0 = off</td></tr>
 * <tr><td>grayscale</td><td>RandomGrayscale probability</td></tr>
 * <tr><td>blur</td><td>Gaussian blur probability</td></tr>
 * <tr><td>blur_kernel</td><td>odd kernel size; 0 = a tenth of {@code size}, made odd</td></tr>
 * <tr><td>blur_sigma</td><td>sigma range, e.g. {@code 0.1:2}</td></tr>
 * <tr><td>solarize</td><td>solarization probability</td></tr>
 * <tr><td>solarize_threshold</td><td>pixels at or above it are inverted (0.5)</td></tr>
 * </table>
 * A key applies to every view; {@code viewN.key} to view N only, {@code global.key} to the global
 * views, {@code local.key} to the local ones; the more specific prefix wins whatever the order.
 * Two recipe-level keys: {@code views}, the number of global views (2; {@code emp}: 20; {@code mim}: 1), and
 * {@code local_crops}, the number of local views (0; {@code multicrop}: 6). Local views are the
 * first global view at {@code round(S * 96 / 224)} pixels with crop scale 0.05 to 0.14 (SwAV's).
 * Extra global views repeat the recipe's (BYOL's asymmetric pair alternates: even views as view 0,
 * odd views as view 1).
 * On the command line, options are one string {@code key=value,key=value} ({@link #parseOptions}).
 */
public record Recipe(String name, List<ViewParams> views, int globals) implements Serializable {
    public static final List<String> NAMES = List.of("simclr", "mocov2", "byol", "multicrop", "emp", "mim");

    /** SwAV's local crops per image. */
    private static final int LOCAL_CROPS = 6;
    /** EMP-SSL's patches per image (README: {@code --num_patches 20}). */
    private static final int EMP_PATCHES = 20;

    public Recipe {
        if (views.isEmpty() || globals < 1 || globals > views.size()) {
            throw new IllegalArgumentException("a recipe needs at least one view, global ones first; got "
                    + views.size() + " views, " + globals + " global");
        }
        views = List.copyOf(views);
    }

    /** Local views (multi-crop), after the global ones. */
    public int locals() {
        return views.size() - globals;
    }

    /**
     * A named recipe adapted to the data and the caller's options.
     *
     * @param name     one of {@link #NAMES}
     * @param preset   an input preset name ({@link Preset#parse}); null or "none" for none
     * @param size     the trainer's input size (the global views' side)
     * @param channels the trainer's channels, 1 or 3
     * @param options  option keys as documented on this class
     */
    public static Recipe parse(String name, String preset, int size, int channels, Map<String, String> options) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("augmentation takes 1 or 3 channels, not " + channels);
        }
        Map<String, String> rest = new LinkedHashMap<>(options);
        String globalViews = rest.remove("views");
        String localCrops = rest.remove("local_crops");
        ViewParams base = new ViewParams(
                size,
                0.08,
                1,
                3.0 / 4,
                4.0 / 3,
                0.5,
                0.8,
                new ColorJitter(0.4, 0.4, 0.4, 0.1),
                0.2,
                0.5,
                0,
                0.1,
                2.0,
                0,
                0.5);
        // The recipe's distinct global views; more global views repeat them in turn.
        List<ViewParams> kinds = switch (name) {
            case "simclr" -> List.of(base);
            case "mocov2" -> List.of(base.with(Map.of("scale", "0.2:1")));
            case "byol" -> {
                ViewParams both = base.with(Map.of("saturation", "0.2"));
                yield List.of(both.with(Map.of("blur", "1")), both.with(Map.of("blur", "0.1", "solarize", "0.2")));
            }
            case "multicrop" ->
                List.of(base.with(Map.of(
                        "scale", "0.14:1", "brightness", "0.8", "contrast", "0.8", "saturation", "0.8", "hue", "0.2")));
            case "emp" ->
                List.of(base.with(
                        Map.of("scale", "0.25:0.25", "ratio", "1:1", "hue", "0.2", "blur", "0.1", "solarize", "0.1")));
            case "mim" -> List.of(base.with(Map.of("scale", "0.2:1", "jitter", "0", "grayscale", "0", "blur", "0")));
            default ->
                throw new IllegalArgumentException(
                        "unknown augmentation recipe '" + name + "' (one of " + String.join(", ", NAMES) + ")");
        };
        boolean masked = name.equals("mim");
        int globals = globalViews == null
                ? (name.equals("emp") ? EMP_PATCHES : masked ? 1 : 2)
                : parseInt("views", globalViews);
        int locals =
                localCrops == null ? (name.equals("multicrop") ? LOCAL_CROPS : 0) : parseInt("local_crops", localCrops);
        // Masked image modelling learns from one view; the joint-embedding methods compare two or more.
        if (globals < 1 || locals < 0 || globals + locals < (masked ? 1 : 2)) {
            throw new IllegalArgumentException(
                    "augmentation needs views >= 1, local_crops >= 0 and " + (masked ? "one view" : "two views")
                            + " in all; got views=" + globals + ", local_crops=" + locals);
        }
        List<ViewParams> views = new ArrayList<>();
        for (int v = 0; v < globals; v++) {
            views.add(kinds.get(v % kinds.size()));
        }
        ViewParams local = kinds.get(0)
                .with(Map.of("size", String.valueOf(Math.max(1, Math.round(size * 96f / 224))), "scale", "0.05:0.14"));
        views.addAll(Collections.nCopies(locals, local));
        views = override(views, globals, Preset.parse(preset).options());
        if (channels == 1) {
            views = override(views, globals, Map.of("saturation", "0", "hue", "0", "grayscale", "0"));
        }
        Recipe recipe = new Recipe(name, override(views, globals, rest), globals);
        recipe.checkSizes(size);
        return recipe;
    }

    /**
     * Views are cut from the trainer's input images ({@code size} pixels a side) and may be
     * smaller (local crops, EMP's patches) but not larger: that would only upsample, at the cost
     * of memory and time. Refused here, at start, naming the option.
     */
    public void checkSizes(int size) {
        for (int v = 0; v < views.size(); v++) {
            int side = views.get(v).size();
            if (side > size) {
                throw new IllegalArgumentException("augmentation " + (v < globals ? "size" : "local.size") + "=" + side
                        + " makes view " + v + " larger than the " + size + " px images it is cut from (--size)");
            }
        }
    }

    /** {@code key=value,key=value} (blank for none) as an ordered map. */
    public static Map<String, String> parseOptions(String spec) {
        return KeyValues.list("augmentation options", spec);
    }

    /** Applies options with prefixes in order of specificity: none, then global/local, then viewN. */
    private static List<ViewParams> override(List<ViewParams> views, int globals, Map<String, String> options) {
        List<ViewParams> out = new ArrayList<>(views);
        for (int level = 0; level < 3; level++) {
            for (Map.Entry<String, String> e : options.entrySet()) {
                int dot = e.getKey().indexOf('.');
                String selector = dot < 0 ? "" : e.getKey().substring(0, dot);
                if (specificity(selector) != level) {
                    continue;
                }
                String key = e.getKey().substring(dot + 1);
                boolean any = false;
                for (int i = 0; i < out.size(); i++) {
                    if (selects(selector, i, globals)) {
                        out.set(i, out.get(i).with(Map.of(key, e.getValue())));
                        any = true;
                    }
                }
                if (!any) {
                    throw new IllegalArgumentException(
                            "augmentation option '" + e.getKey() + "' selects no view of " + out.size());
                }
            }
        }
        return out;
    }

    private static int specificity(String selector) {
        if (selector.isEmpty()) {
            return 0;
        }
        if (selector.equals("global") || selector.equals("local")) {
            return 1;
        }
        if (selector.matches("view[0-9]+")) {
            return 2;
        }
        throw new IllegalArgumentException(
                "unknown augmentation option prefix '" + selector + ".' (viewN., global. or local.)");
    }

    private static boolean selects(String selector, int view, int globals) {
        return switch (selector) {
            case "" -> true;
            case "global" -> view < globals;
            case "local" -> view >= globals;
            default -> view == Integer.parseInt(selector.substring(4));
        };
    }

    private static int parseInt(String key, String value) {
        return KeyValues.toInt(ViewParams.subject(key), value);
    }
}
