#!/usr/bin/env python3
"""Renders docs/quality-table.jsonl (scripts/quality-table.sh) as the README's markdown table.

Rows measured before runs recorded their processor (the `cpu` key) came from an earlier host, about
2.4 times faster than the AMD EPYC (AVX2) of later rows: `wall_s` compares only within one host."""
import json
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "docs/quality-table.jsonl"
# One method's two orders side by side, methods in the README's order; a method not listed goes last.
METHODS = ["emp", "simclr", "mocov2", "byol", "simsiam", "barlow", "vicreg", "swav", "nnclr", "wmse", "dino",
           "meanshift", "mae", "simmim"]
runs = [json.loads(line) for line in open(path) if line.strip()]
runs.sort(key=lambda r: (METHODS.index(r["method"]) if r["method"] in METHODS else len(METHODS),
                         r["method"], r["order"] != "iid"))
print("| method | order | views (global) | u | steps | `knn_top1` | `linear_top1` | untrained kNN / linear"
      " | raw pixels kNN / linear | `train_images_per_s` | `wall_s` | host |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for r in runs:
    encoder = "" if r.get("encoder", "small-cnn") == "small-cnn" else f" ({r['encoder']})"
    print(f"| `{r['method']}`{encoder} | {r['order']} | {r['views']} ({r['global_views']}) | {r['updates_per_event']:g}"
          f" | {r['steps']} | **{r['knn_top1']:.4f}** | **{r['linear_top1']:.4f}**"
          f" | {r['knn_top1_init']:.4f} / {r['linear_top1_init']:.4f}"
          f" | {r['knn_top1_pixels']:.4f} / {r['linear_top1_pixels']:.4f} | {r['train_images_per_s']:.1f}"
          f" | {r['wall_s']:.0f} | {r.get('cpu', 'earlier host')} |")
