#!/usr/bin/env python3
"""Reference loader of an Oxbow encoder export, in plain PyTorch (no Oxbow, no DJL, no safetensors
package). The directory holds encoder.json (architecture, input, model version), encoder.safetensors
(float32 weights and BatchNorm running statistics under state_dict names; a ViT's under timm's names) and
this file.

    import torch, oxbow_encoder
    model = oxbow_encoder.load("export-dir")      # nn.Module in eval mode
    with torch.no_grad():
        features = model(images)                  # N x C x H x W floats in [0, 1] -> N x dim

The model normalises its input itself ((x - mean) / std per channel, from encoder.json).

    python3 oxbow_encoder.py DIR --check inputs.bin expected.bin
        inputs: N square images as raw little-endian float32 NCHW in [0, 1], of the export's size or another
        (a ViT then resizes its position embeddings); expected: N x dim float32 features. Prints the largest
        difference as JSON; exits 1 when it exceeds 1e-4 x max(1, max |expected|).
    python3 oxbow_encoder.py DIR --bench [--batch 256] [--threads 1] [--images 20000]
        Prints {"images_per_s": ..., "images_per_cpu_s": ...} of no-grad inference on random inputs.
"""
import argparse
import json
import math
import struct
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

FORMAT_VERSION = 1
TOLERANCE = 1e-4


def read_safetensors(path):
    """The tensors of a safetensors file of float32 tensors, by name."""
    if sys.byteorder != "little":
        raise RuntimeError("this loader reads little-endian float32 on little-endian hosts only")
    data = Path(path).read_bytes()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_len])
    header.pop("__metadata__", None)
    start = 8 + header_len
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            raise ValueError(f"{name}: dtype {entry['dtype']}, expected F32")
        begin, end = entry["data_offsets"]
        # A bytearray because torch.frombuffer warns on read-only buffers.
        flat = torch.frombuffer(bytearray(data[start + begin:start + end]), dtype=torch.float32)
        tensors[name] = flat.reshape(entry["shape"])
    return tensors


def _layer(spec):
    kind = spec["type"]
    if kind == "conv2d":
        return nn.Conv2d(spec["in_channels"], spec["out_channels"], spec["kernel_size"], stride=spec["stride"],
                         padding=spec["padding"], bias=spec["bias"])
    if kind == "batchnorm2d":
        return nn.BatchNorm2d(spec["num_features"], eps=spec["eps"], momentum=spec["momentum"])
    if kind == "relu":
        return nn.ReLU()
    if kind == "basic_block":
        return BasicBlock(spec)
    if kind == "global_avg_pool":
        return nn.AdaptiveAvgPool2d(1)
    if kind == "flatten":
        return nn.Flatten()
    if kind == "cls_pos_embed":
        return ClsPosEmbed(spec)
    if kind == "transformer_block":
        return TransformerBlock(spec)
    if kind == "layernorm":
        return nn.LayerNorm(spec["dim"], eps=spec["eps"])
    if kind == "cls_output":
        return ClsOutput()
    raise ValueError(f"unknown layer type {kind!r}")


def _build(owner, specs):
    """The layers in order; a named layer is registered on owner at its dotted name (its state_dict path), an
    unnamed one's own parameters on owner itself (a ViT's cls_token and pos_embed)."""
    ops = []
    for spec in specs:
        op = _layer(spec)
        if "name" in spec:
            *path, leaf = spec["name"].split(".")
            parent = owner
            for part in path:
                if part not in parent._modules:
                    parent.add_module(part, nn.Module())
                parent = parent._modules[part]
            parent.add_module(leaf, op)
        else:
            for name, parameter in op.named_parameters(recurse=False):
                owner.register_parameter(name, parameter)
        ops.append(op)
    return ops


def _run(ops, x):
    for op in ops:
        x = op(x)
    return x


class BasicBlock(nn.Module):
    """ResNet basic block: relu(layers(x) + downsample(x)), or relu(layers(x) + x) without downsample."""

    def __init__(self, spec):
        super().__init__()
        self.main_ops = _build(self, spec["layers"])
        self.downsample_ops = _build(self, spec["downsample"])

    def forward(self, x):
        return torch.relu(_run(self.main_ops, x) + _run(self.downsample_ops, x))


class ClsPosEmbed(nn.Module):
    """ViT token assembly: conv maps N x D x h x w to N x (1 + hw) x D tokens, the CLS token first, plus the position
    embeddings; for another grid than the exported one, the patches' embeddings resized bicubically with antialiasing,
    as Oxbow's (DJL's resize) and timm's resample_abs_pos_embed."""

    def __init__(self, spec):
        super().__init__()
        self.grid = tuple(spec["grid"])
        dim = spec["dim"]
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + self.grid[0] * self.grid[1], dim))

    def forward(self, x):
        n, dim, h, w = x.shape
        pos = self.pos_embed
        if (h, w) != self.grid:
            patches = pos[:, 1:].reshape(1, *self.grid, dim).permute(0, 3, 1, 2)
            patches = F.interpolate(patches, size=(h, w), mode="bicubic", align_corners=False, antialias=True)
            pos = torch.cat([pos[:, :1], patches.permute(0, 2, 3, 1).reshape(1, h * w, dim)], dim=1)
        return torch.cat([self.cls_token.expand(n, -1, -1), x.flatten(2).transpose(1, 2)], dim=1) + pos


class Attention(nn.Module):
    """Multi-head self-attention, written out (torch 1.13 has no scaled_dot_product_attention); qkv's rows are all
    heads' q, then k, then v, as timm's."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        n, t, dim = x.shape
        head_dim = dim // self.heads
        q, k, v = self.qkv(x).reshape(n, t, 3, self.heads, head_dim).permute(2, 0, 3, 1, 4)
        weights = ((q * head_dim ** -0.5) @ k.transpose(-2, -1)).softmax(-1)
        return self.proj((weights @ v).transpose(1, 2).reshape(n, t, dim))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class TransformerBlock(nn.Module):
    """Pre-norm ViT block: x + attn(norm1(x)), then x + mlp(norm2(x))."""

    def __init__(self, spec):
        super().__init__()
        dim, eps = spec["dim"], spec["eps"]
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = Attention(dim, spec["heads"])
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, spec["mlp_hidden"])

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ClsOutput(nn.Module):
    def forward(self, x):
        return x[:, 0]


class OxbowEncoder(nn.Module):
    """The encoder of encoder.json, input normalisation included; `spec` keeps the description."""

    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        shape = (1, spec["input"]["channels"], 1, 1)
        # Not persistent: the state_dict holds exactly the exported tensors.
        self.register_buffer("mean", torch.tensor(spec["input"]["mean"]).reshape(shape), persistent=False)
        self.register_buffer("std", torch.tensor(spec["input"]["std"]).reshape(shape), persistent=False)
        self.ops = _build(self, spec["layers"])

    def forward(self, x):
        return _run(self.ops, (x - self.mean) / self.std)


def load(directory):
    """The exported encoder as an nn.Module in eval mode (BatchNorm uses its running statistics)."""
    directory = Path(directory)
    spec = json.loads((directory / "encoder.json").read_text())
    if spec["format_version"] > FORMAT_VERSION:
        raise ValueError(f"export format {spec['format_version']} is newer than this loader ({FORMAT_VERSION})")
    model = OxbowEncoder(spec)
    missing, unexpected = model.load_state_dict(read_safetensors(directory / spec["weights"]), strict=False)
    # DJL keeps no batch count; PyTorch reads num_batches_tracked only when momentum is None.
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise ValueError(f"weights do not fit encoder.json: missing {missing}, unexpected {unexpected}")
    return model.eval()


def _read_f32(path):
    return torch.frombuffer(bytearray(Path(path).read_bytes()), dtype=torch.float32)


def check(model, inputs_path, expected_path):
    """Compares the model's features with expected ones; prints the difference, returns whether it is within tolerance."""
    c, dim = model.spec["input"]["channels"], model.spec["output"]["dim"]
    expected = _read_f32(expected_path).reshape(-1, dim)
    pixels = _read_f32(inputs_path)
    s = math.isqrt(pixels.numel() // (expected.shape[0] * c))
    images = pixels.reshape(expected.shape[0], c, s, s)
    with torch.no_grad():
        actual = model(images)
    scale = max(1.0, expected.abs().max().item())
    diff = (actual - expected).abs().max().item() if actual.shape == expected.shape else float("inf")
    ok = diff <= TOLERANCE * scale
    print(json.dumps({"images": images.shape[0], "dim": expected.shape[1], "max_abs_diff": diff, "scale": scale,
                      "tolerance": TOLERANCE * scale, "ok": ok}))
    return ok


def bench(model, batch, threads, images):
    """Prints no-grad inference throughput (per second and per CPU second of this process) on one random batch,
    run ceil(images / batch) times after a warm-up."""
    torch.set_num_threads(threads)
    c, s = model.spec["input"]["channels"], model.spec["input"]["size"]
    x = torch.rand(batch, c, s, s, generator=torch.Generator().manual_seed(0))
    batches = -(-images // batch)
    with torch.no_grad():
        for _ in range(2):
            model(x)
        start, cpu_start = time.perf_counter(), time.process_time()
        for _ in range(batches):
            model(x)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    print(json.dumps({"images_per_s": batches * batch / seconds, "images_per_cpu_s": batches * batch / cpu_seconds,
                      "batch": batch, "threads": threads, "images": batches * batch, "torch": torch.__version__}))


def main():
    p = argparse.ArgumentParser(description="Load an Oxbow encoder export in PyTorch.")
    p.add_argument("dir")
    p.add_argument("--check", nargs=2, metavar=("INPUTS", "EXPECTED"))
    p.add_argument("--bench", action="store_true")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--images", type=int, default=20000)
    args = p.parse_args()
    model = load(args.dir)
    if args.check:
        return 0 if check(model, *args.check) else 1
    if args.bench:
        bench(model, args.batch, args.threads, args.images)
        return 0
    print(model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
