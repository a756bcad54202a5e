package ai.oxbow.model.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RecipeTest {
    @Test
    void simclrFollowsThePaper() {
        Recipe r = Recipe.parse("simclr", "imagenet", 224, 3, Map.of());
        assertEquals(2, r.views().size());
        ViewParams v = r.views().get(0);
        assertEquals(224, v.size());
        assertEquals(0.08, v.minScale());
        assertEquals(1.0, v.maxScale());
        assertEquals(0.75, v.minRatio());
        assertEquals(4.0 / 3, v.maxRatio());
        assertEquals(0.5, v.flip());
        assertEquals(0.8, v.jitter());
        assertEquals(new ColorJitter(0.4, 0.4, 0.4, 0.1), v.colorJitter());
        assertEquals(0.2, v.grayscale());
        assertEquals(0.5, v.blur());
        assertEquals(23, v.kernelSize());
        assertEquals(0.1, v.minSigma());
        assertEquals(2.0, v.maxSigma());
        assertEquals(0.0, v.solarize());
    }

    @Test
    void mocov2CropsLessAggressively() {
        ViewParams v = Recipe.parse("mocov2", null, 224, 3, Map.of()).views().get(1);
        assertEquals(0.2, v.minScale());
        assertEquals(0.5, v.blur());
    }

    @Test
    void byolIsAsymmetric() {
        Recipe r = Recipe.parse("byol", "imagenet", 224, 3, Map.of());
        assertEquals(new ColorJitter(0.4, 0.4, 0.2, 0.1), r.views().get(0).colorJitter());
        assertEquals(1.0, r.views().get(0).blur());
        assertEquals(0.0, r.views().get(0).solarize());
        assertEquals(0.1, r.views().get(1).blur());
        assertEquals(0.2, r.views().get(1).solarize());
        assertEquals(0.5, r.views().get(1).solarizeThreshold());
    }

    @Test
    void multicropHasGlobalAndLocalViews() {
        Recipe r = Recipe.parse("multicrop", "imagenet", 224, 3, Map.of());
        assertEquals(8, r.views().size());
        assertEquals(224, r.views().get(1).size());
        assertEquals(0.14, r.views().get(1).minScale());
        assertEquals(96, r.views().get(2).size());
        assertEquals(9, r.views().get(7).kernelSize());
        assertEquals(0.05, r.views().get(7).minScale());
        assertEquals(0.14, r.views().get(7).maxScale());
        Recipe dino = Recipe.parse(
                "multicrop",
                "imagenet",
                224,
                3,
                Recipe.parseOptions("global.scale=0.4:1,local.scale=0.05:0.4,local_crops=8"));
        assertEquals(10, dino.views().size());
        assertEquals(0.4, dino.views().get(0).minScale());
        assertEquals(0.4, dino.views().get(9).maxScale());
    }

    @Test
    void presetsAndChannelsAdaptTheRecipe() {
        ViewParams fashion =
                Recipe.parse("simclr", "fashion-mnist", 28, 1, Map.of()).views().get(0);
        assertEquals(new ColorJitter(0.4, 0.4, 0, 0), fashion.colorJitter());
        assertEquals(0.0, fashion.grayscale());
        assertEquals(3, fashion.kernelSize());
        assertEquals(1.0, fashion.maxSigma());
        assertEquals(
                0.0,
                Recipe.parse("byol", "cifar", 32, 3, Map.of()).views().get(0).blur());
        ViewParams grey = Recipe.parse("simclr", null, 28, 1, Map.of()).views().get(0);
        assertEquals(new ColorJitter(0.4, 0.4, 0, 0), grey.colorJitter());
        assertEquals(2.0, grey.maxSigma());
    }

    @Test
    void optionsOverrideEveryParameterAndTheMostSpecificWins() {
        Recipe r = Recipe.parse(
                "byol",
                "cifar",
                24,
                3,
                Recipe.parseOptions(
                        "view1.blur=0.3, blur=0.7, size=24, scale=0.3:0.9, ratio=0.5:2, flip=0.1, jitter=0.2, brightness=0.1,"
                                + "contrast=0.2, saturation=0.3, hue=0.4, grayscale=0.6, blur_kernel=5, blur_sigma=0.2:0.4,"
                                + "solarize=0.9, solarize_threshold=0.25"));
        ViewParams v0 = r.views().get(0);
        assertEquals(
                new ViewParams(
                        24,
                        0.3,
                        0.9,
                        0.5,
                        2,
                        0.1,
                        0.2,
                        new ColorJitter(0.1, 0.2, 0.3, 0.4),
                        0.6,
                        0.7,
                        5,
                        0.2,
                        0.4,
                        0.9,
                        0.25),
                v0);
        assertEquals(0.3, r.views().get(1).blur());
    }

    @Test
    void viewsMayNotBeLargerThanTheImagesTheyAreCutFrom() {
        IllegalArgumentException global = assertThrows(
                IllegalArgumentException.class, () -> Recipe.parse("simclr", null, 28, 1, Map.of("size", "32")));
        assertTrue(
                global.getMessage().contains("size=32") && global.getMessage().contains("28 px"), global.getMessage());
        IllegalArgumentException local = assertThrows(
                IllegalArgumentException.class,
                () -> Recipe.parse("multicrop", null, 28, 1, Map.of("local.size", "40")));
        assertTrue(local.getMessage().contains("local.size=40"), local.getMessage());
        assertEquals(
                20,
                Recipe.parse("simclr", null, 28, 1, Map.of("size", "20"))
                        .views()
                        .get(0)
                        .size());
        assertEquals(
                12,
                Recipe.parse("multicrop", null, 28, 1, Map.of("local.size", "12"))
                        .views()
                        .get(2)
                        .size());
    }

    @Test
    void badNamesAndValuesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Recipe.parse("swav", null, 32, 3, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> Recipe.parse("simclr", "mnist", 32, 3, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> Recipe.parse("simclr", null, 32, 4, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> Recipe.parse("simclr", null, 32, 3, Map.of("blurr", "1")));
        assertThrows(IllegalArgumentException.class, () -> Recipe.parse("simclr", null, 32, 3, Map.of("flip", "2")));
        assertThrows(IllegalArgumentException.class, () -> Recipe.parse("simclr", null, 32, 3, Map.of("scale", "1")));
        assertThrows(IllegalArgumentException.class, () -> Recipe.parse("simclr", null, 32, 3, Map.of("hue", "0.6")));
        assertThrows(
                IllegalArgumentException.class, () -> Recipe.parse("simclr", null, 32, 3, Map.of("blur_kernel", "4")));
        assertThrows(
                IllegalArgumentException.class, () -> Recipe.parse("simclr", null, 32, 3, Map.of("view2.flip", "0")));
        assertThrows(
                IllegalArgumentException.class, () -> Recipe.parse("simclr", null, 32, 3, Map.of("local.flip", "0")));
        assertThrows(IllegalArgumentException.class, () -> Recipe.parse("simclr", null, 32, 3, Map.of("views", "0")));
        assertThrows(
                IllegalArgumentException.class,
                () -> Recipe.parse("simclr", null, 32, 3, Map.of("views", "1", "local_crops", "0")));
        assertThrows(
                IllegalArgumentException.class,
                () -> Recipe.parse("multicrop", null, 32, 3, Map.of("local_crops", "-1")));
        assertThrows(IllegalArgumentException.class, () -> Recipe.parseOptions("flip"));
    }

    @Test
    void everyRecipeTakesMoreGlobalViewsAndLocalCrops() {
        Recipe simclr = Recipe.parse("simclr", "fashion-mnist", 28, 1, Map.of("views", "4", "local_crops", "3"));
        assertEquals(4, simclr.globals());
        assertEquals(3, simclr.locals());
        assertEquals(28, simclr.views().get(3).size());
        assertEquals(12, simclr.views().get(4).size(), "local crops at 96/224 of the size");
        assertEquals(0.05, simclr.views().get(6).minScale());
        assertEquals(0.14, simclr.views().get(6).maxScale());
        Recipe byol = Recipe.parse("byol", null, 32, 3, Map.of("views", "3"));
        assertEquals(byol.views().get(0), byol.views().get(2), "BYOL's asymmetric pair alternates");
        assertEquals(0.2, byol.views().get(1).solarize());
        Recipe local = Recipe.parse("mocov2", null, 32, 3, Map.of("local_crops", "2", "local.size", "10"));
        assertEquals(10, local.views().get(3).size());
        assertEquals(32, local.views().get(1).size());
    }

    @Test
    void empDrawsTwentyFixedScalePatchesByDefault() {
        Recipe emp = Recipe.parse("emp", null, 32, 3, Map.of());
        assertEquals(20, emp.globals());
        assertEquals(0, emp.locals());
        ViewParams patch = emp.views().get(19);
        assertEquals(0.25, patch.minScale());
        assertEquals(0.25, patch.maxScale());
        assertEquals(1.0, patch.minRatio());
        assertEquals(1.0, patch.maxRatio());
        assertEquals(32, patch.size(), "patches are resized to the input size, as the reference");
        assertEquals(new ColorJitter(0.4, 0.4, 0.4, 0.2), patch.colorJitter());
        assertEquals(0.1, patch.blur());
        assertEquals(0.1, patch.solarize());
        assertEquals(
                8,
                Recipe.parse("emp", null, 32, 3, Map.of("views", "8")).views().size());
    }
}
