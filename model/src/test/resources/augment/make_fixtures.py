#!/usr/bin/env python3
"""Writes torchvision.bin: torchvision's outputs for fixed parameters, checked by TorchvisionFixturesTest.

Not run by the tests or CI; rerun by hand after changing a case (Debian: apt-get install
python3-torchvision, then python3 make_fixtures.py in this folder). Uses the float-tensor paths of
torchvision.transforms.functional (v1, the only API in Debian's torchvision 0.14); v2.functional
runs the same float arithmetic for these operations.

Format, big-endian (java.io.DataInputStream): records until the end of the file, each
  name (writeUTF), input name (writeUTF, "" for an input image), parameter count (int32),
  parameters (float64 each), channels, height, width (int32 each), pixels (float32, CHW).
"""
import struct

import numpy as np
import torch
import torchvision.transforms.functional as F

HEIGHT, WIDTH = 8, 10


def images():
    rng = np.random.default_rng(20240601)
    rgb = rng.random((3, HEIGHT, WIDTH), dtype=np.float32)
    rgb[:, 0, 0] = 0.5                  # grey pixel: hue and saturation are zero
    rgb[:, 0, 1] = (1.0, 1.0, 0.0)      # ties for the maximum channel
    rgb[:, 0, 2] = (0.0, 0.25, 0.25)
    rgb[:, 1, 0] = (1.0, 0.0, 0.0)
    rgb[0, 2, 3] = 0.5                  # exactly the solarize threshold
    grey = rng.random((1, HEIGHT, WIDTH), dtype=np.float32)
    grey[0, 0, 0] = 0.0
    grey[0, 0, 1] = 1.0
    return {"rgb": torch.from_numpy(rgb), "grey": torch.from_numpy(grey)}


def resized_crop(img, top, left, height, width, out_h, out_w):
    return F.resized_crop(img, int(top), int(left), int(height), int(width), [int(out_h), int(out_w)],
                          interpolation=F.InterpolationMode.BILINEAR, antialias=True)


OPS = {
    "resized_crop": resized_crop,
    "hflip": F.hflip,
    "rgb_to_grayscale": lambda img: F.rgb_to_grayscale(img, num_output_channels=img.shape[0]),
    "solarize": F.solarize,
    "adjust_brightness": F.adjust_brightness,
    "adjust_contrast": F.adjust_contrast,
    "adjust_saturation": F.adjust_saturation,
    "adjust_hue": F.adjust_hue,
    "gaussian_blur": lambda img, k, s: F.gaussian_blur(img, [int(k), int(k)], [s, s]),
}

# (operation, input, parameters); the case name is operation/input/parameters.
CASES = [
    ("resized_crop", "rgb", (1, 1, 7, 9, 3, 4)),   # downscale: antialiased
    ("resized_crop", "grey", (1, 1, 7, 9, 3, 4)),
    ("resized_crop", "rgb", (2, 3, 3, 4, 7, 9)),   # upscale: bilinear
    ("resized_crop", "grey", (2, 3, 3, 4, 7, 9)),
    ("resized_crop", "rgb", (0, 1, 8, 5, 5, 8)),   # down in height, up in width
    ("hflip", "rgb", ()),
    ("hflip", "grey", ()),
    ("rgb_to_grayscale", "rgb", ()),
    ("rgb_to_grayscale", "grey", ()),
    ("solarize", "rgb", (0.5,)),
    ("adjust_brightness", "rgb", (1.3,)),
    ("adjust_brightness", "grey", (0.6,)),
    ("adjust_contrast", "rgb", (0.55,)),
    ("adjust_contrast", "grey", (1.4,)),
    ("adjust_saturation", "rgb", (1.7,)),
    ("adjust_saturation", "rgb", (0.3,)),
    ("adjust_hue", "rgb", (-0.35,)),
    ("adjust_hue", "rgb", (0.45,)),
    ("gaussian_blur", "rgb", (5, 1.3)),
    ("gaussian_blur", "grey", (3, 0.7)),
]


def record(out, name, source, params, img):
    img = img.contiguous().to(torch.float32).numpy()
    for text in (name, source):
        data = text.encode("utf-8")
        out.write(struct.pack(">H", len(data)) + data)
    out.write(struct.pack(">i", len(params)))
    out.write(struct.pack(f">{len(params)}d", *params))
    out.write(struct.pack(">3i", *img.shape))
    out.write(img.astype(">f4").tobytes())


def main():
    inputs = images()
    with open("torchvision.bin", "wb") as out:
        for name, img in inputs.items():
            record(out, name, "", (), img)
        for op, source, params in CASES:
            name = "/".join([op, source] + [repr(p) for p in params])
            record(out, name, source, params, OPS[op](inputs[source].clone(), *params))


if __name__ == "__main__":
    main()
