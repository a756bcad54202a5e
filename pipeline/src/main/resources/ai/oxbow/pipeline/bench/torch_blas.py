"""Prints the BLAS libraries python3-torch multiplies with, as one JSON line.

Debian's python3-torch links the generic libblas.so.3, which is the netlib reference BLAS (~30
times slower) unless an optimised one (libopenblas0-pthread) is installed beside it: benchmarks
against such a PyTorch would measure the BLAS, not the frameworks.
"""
import json
import os

import torch

torch.ones(64, 64) @ torch.ones(64, 64)
with open("/proc/self/maps") as maps:
    paths = {line.split()[5] for line in maps if len(line.split()) >= 6}
print(json.dumps({"blas": sorted({os.path.realpath(p) for p in paths if "blas" in os.path.basename(p)})}))
