package ai.oxbow.model.export;

import ai.oxbow.model.encoder.Encoders;
import ai.oxbow.model.encoder.VitTiny;
import ai.oxbow.model.export.Layer.BasicBlock;
import ai.oxbow.model.export.Layer.BatchNorm2d;
import ai.oxbow.model.export.Layer.ClsOutput;
import ai.oxbow.model.export.Layer.ClsPosEmbed;
import ai.oxbow.model.export.Layer.Conv2d;
import ai.oxbow.model.export.Layer.Flatten;
import ai.oxbow.model.export.Layer.GlobalAvgPool;
import ai.oxbow.model.export.Layer.LayerNorm;
import ai.oxbow.model.export.Layer.Relu;
import ai.oxbow.model.export.Layer.TransformerBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * The encoders of {@code model/encoder} as PyTorch modules would lay them out. Written out here
 * rather than read from DJL's block tree, whose lambdas (ReLU, residual sum) cannot be inspected;
 * {@link EncoderExport} checks every tensor's shape against the snapshot and EncoderExportTest
 * checks the outputs against DJL's, so this cannot drift from the encoders unnoticed.
 */
final class Architectures {
    private Architectures() {}

    static List<Layer> layers(String encoder, int channels, int size) {
        return switch (encoder) {
            case "small-cnn" -> smallCnn(channels);
            case "resnet18" -> resNet18(channels);
            case "vit-tiny" -> vitTiny(channels, size);
            default ->
                throw new IllegalArgumentException(
                        "cannot export encoder '" + encoder + "', expected one of " + Encoders.NAMES);
        };
    }

    /** SmallCnn: stages.{0..3}.{conv,bn}, 32/64/128/256 channels, strides 1/2/2/2. */
    private static List<Layer> smallCnn(int channels) {
        int[] widths = {32, 64, 128, 256};
        int[] strides = {1, 2, 2, 2};
        List<Layer> net = new ArrayList<>();
        int in = channels;
        for (int i = 0; i < widths.length; i++) {
            net.add(new Conv2d("stages." + i + ".conv", in, widths[i], 3, strides[i]));
            net.add(new BatchNorm2d("stages." + i + ".bn", widths[i]));
            net.add(new Relu());
            in = widths[i];
        }
        net.add(new GlobalAvgPool());
        net.add(new Flatten());
        return net;
    }

    /**
     * ResNet18 with the CIFAR stem, named as torchvision's resnet18 (conv1, bn1, layer1.0.conv1,
     * layer2.0.downsample.0, ...), so its state_dict loads into torchvision's model with a 3x3
     * stride-1 conv1, an identity maxpool and an identity fc.
     */
    private static List<Layer> resNet18(int channels) {
        List<Layer> net = new ArrayList<>(
                List.of(new Conv2d("conv1", channels, 64, 3, 1), new BatchNorm2d("bn1", 64), new Relu()));
        int[] widths = {64, 128, 256, 512};
        int in = 64;
        for (int stage = 0; stage < widths.length; stage++) {
            int w = widths[stage];
            for (int unit = 0; unit < 2; unit++) {
                int stride = stage > 0 && unit == 0 ? 2 : 1;
                List<Layer> main = List.of(
                        new Conv2d("conv1", in, w, 3, stride),
                        new BatchNorm2d("bn1", w),
                        new Relu(),
                        new Conv2d("conv2", w, w, 3, 1),
                        new BatchNorm2d("bn2", w));
                List<Layer> downsample = in != w || stride != 1
                        ? List.of(new Conv2d("downsample.0", in, w, 1, stride), new BatchNorm2d("downsample.1", w))
                        : List.of();
                net.add(new BasicBlock("layer" + (stage + 1) + "." + unit, main, downsample));
                in = w;
            }
        }
        net.add(new GlobalAvgPool());
        net.add(new Flatten());
        return net;
    }

    /**
     * VitTiny under timm's VisionTransformer names (patch_embed.proj, cls_token, pos_embed,
     * blocks.i.{norm1,attn.qkv,attn.proj,norm2,mlp.fc1,mlp.fc2}, norm), the grid of its size.
     */
    private static List<Layer> vitTiny(int channels, int size) {
        int grid = size / VitTiny.PATCH;
        List<Layer> net = new ArrayList<>(List.of(
                new Conv2d("patch_embed.proj", channels, VitTiny.DIM, VitTiny.PATCH, VitTiny.PATCH, 0, true),
                new ClsPosEmbed(grid, grid, VitTiny.DIM)));
        for (int i = 0; i < VitTiny.DEPTH; i++) {
            net.add(new TransformerBlock("blocks." + i, VitTiny.DIM, VitTiny.HEADS, VitTiny.MLP_HIDDEN, VitTiny.EPS));
        }
        net.add(new LayerNorm("norm", VitTiny.DIM, VitTiny.EPS));
        net.add(new ClsOutput());
        return net;
    }
}
