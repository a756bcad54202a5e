#!/usr/bin/env python3
"""Latency of `oxbow serve` under load, from a second process: CLIENTS threads send REQUESTS
queries in all, half GET /api/search?id= (a stored vector) and half POST /api/search with an
image (decoded and embedded by the server; the images are the index's own thumbnails). Prints one
JSON line: per kind p50/p99 in ms, requests/s, errors. Against a `serve` with a token it sends
$OXBOW_SERVE_TOKEN; over HTTPS with a private CA, give --cafile.
Usage: scripts/serve-load.py URL [--requests 2000] [--clients 8] [--k 10] [--cafile PEM]"""
import argparse
import concurrent.futures
import json
import os
import random
import ssl
import statistics
import time
import urllib.error
import urllib.request


TOKEN = os.environ.get("OXBOW_SERVE_TOKEN")
TLS = None


def fetch(url, data=None):
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    if TOKEN:
        req.add_header("Authorization", "Bearer " + TOKEN)
    with urllib.request.urlopen(req, timeout=60, context=TLS) as r:
        return r.read()


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--cafile", help="PEM of the CA (or self-signed certificate) that serve's certificate chains to")
    a = p.parse_args()
    global TLS
    TLS = ssl.create_default_context(cafile=a.cafile) if a.cafile else None
    base = a.url.rstrip("/")
    sample = json.loads(fetch(base + "/api/images?limit=200"))
    version, ids = sample["model_version"], sample["image_ids"]
    images = [fetch(f"{base}/api/thumbnail?id={urllib.request.quote(i)}&version={version}") for i in ids[:50]]
    rnd = random.Random(1)
    jobs = [("get", rnd.choice(ids)) if n % 2 == 0 else ("post", rnd.choice(images)) for n in range(a.requests)]

    def one(job):
        kind, arg = job
        start = time.perf_counter()
        try:
            if kind == "get":
                fetch(f"{base}/api/search?k={a.k}&id={urllib.request.quote(arg)}")
            else:
                fetch(f"{base}/api/search?k={a.k}&version={version}", arg)
            return kind, (time.perf_counter() - start) * 1000, None
        except (urllib.error.URLError, OSError) as e:
            return kind, None, str(e)

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(a.clients) as pool:
        results = list(pool.map(one, jobs))
    wall = time.perf_counter() - start
    out = {"requests": a.requests, "clients": a.clients, "k": a.k, "model_version": version,
           "requests_per_s": round(a.requests / wall, 1),
           "errors": sum(1 for r in results if r[2] is not None)}
    for kind in ("get", "post"):
        ms = [r[1] for r in results if r[0] == kind and r[1] is not None]
        out[f"{kind}_p50_ms"] = round(statistics.median(ms), 2) if ms else None
        out[f"{kind}_p99_ms"] = round(percentile(ms, 0.99), 2) if ms else None
    print(json.dumps(out))


if __name__ == "__main__":
    main()
