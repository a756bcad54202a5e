#!/usr/bin/env python3
"""Plain PyTorch eager training of an Oxbow method, for `oxbow bench train` to compare against.

The backbone is the exported Oxbow encoder (oxbow_encoder.py in the export directory, so the
architecture is the same layer for layer); the heads, losses, optimiser and views follow the Java
method classes' defaults, written the way a PyTorch user would write them (solo-learn style: one
forward per view, or one per view size where the method's reference concatenates its views; EMA
targets under torch.no_grad()). Inputs are random tensors of the views' shapes, drawn before
timing, as the Java side draws its views before timing.

    python3 torch_train.py --export DIR --method emp --views 28,28,12 --globals 2 --batch 64 \
        --threads 2 --steps 20 --optimizer lars --lr 0.3 --wd 1e-4 --options key=value,...

Prints one JSON line: images_per_s, step_ms, parameters (trainable, backbone and heads), torch.
With --ranks N it runs N processes of DistributedDataParallel over gloo on loopback, each on
batch / N images (the global batch stays --batch), as a PyTorch user scales training out: each
rank's loss on its own images, gradients averaged by DDP's all-reduce, BatchNorm per rank and
buffers broadcast from rank 0; --skip-allreduce runs the same steps under no_sync(), which leaves
out the exchange, so the two figures give the exchange's share. images_per_s is the global rate.
"""
import argparse
import contextlib
import json
import math
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


def mlp(din, hidden, out, out_bn=False):
    layers = []
    for h in hidden:
        layers += [nn.Linear(din, h), nn.BatchNorm1d(h), nn.ReLU()]
        din = h
    layers.append(nn.Linear(din, out))
    if out_bn:
        layers.append(nn.BatchNorm1d(out))
    return nn.Sequential(*layers)


def each(chain, views):
    return [chain(v) for v in views]


def joint(chain, views):
    """One forward per run of same-sized views, split back per view."""
    out, i = [], 0
    while i < len(views):
        j = i + 1
        while j < len(views) and views[j].shape == views[i].shape:
            j += 1
        out += list(chain(torch.cat(views[i:j])).chunk(j - i))
        i = j
    return out


def pairs(globals_, n, ordered=True):
    if ordered:
        return [(g, v) for g in range(globals_) for v in range(n) if v != g]
    return [(g, v) for g in range(globals_) for v in range(g + 1, n)]


def ema(online, target, tau):
    with torch.no_grad():
        for po, pt in zip(online.parameters(), target.parameters()):
            pt.mul_(tau).add_(po, alpha=1 - tau)


def frozen_copy(module):
    import copy
    c = copy.deepcopy(module)
    for p in c.parameters():
        p.requires_grad_(False)
    return c


class Method(nn.Module):
    def __init__(self, backbone, dim, opts, globals_):
        super().__init__()
        self.backbone, self.dim, self.opts, self.globals = backbone, dim, opts, globals_

    def o(self, key, default):
        return type(default)(self.opts.get(key, default))

    def after_step(self, step):
        pass


class SimClr(Method):
    def __init__(self, *a):
        super().__init__(*a)
        self.projector = nn.Sequential(nn.Linear(self.dim, self.o("projector_hidden", 2048)), nn.ReLU(),
                                       nn.Linear(self.o("projector_hidden", 2048), self.o("projector_out", 256)))

    def loss(self, views, step):
        z = F.normalize(torch.cat(joint(lambda x: self.projector(self.backbone(x)), views)), dim=1)
        v, n = len(views), views[0].shape[0]
        logits = z @ z.T / self.o("temperature", 0.2)
        self_mask = torch.eye(v * n, dtype=torch.bool)
        logits = logits.masked_fill(self_mask, -1e9)
        pos = torch.eye(n).repeat(v, v).masked_fill(self_mask, 0) / (v - 1)
        return -(logits.log_softmax(1) * pos).sum(1).mean()


class MoCo(Method):
    def __init__(self, *a):
        super().__init__(*a)
        out = self.o("projector_out", 128)
        self.projector = mlp(self.dim, [self.o("projector_hidden", 2048)], out)
        self.key_backbone, self.key_projector = frozen_copy(self.backbone), frozen_copy(self.projector)
        self.register_buffer("queues", F.normalize(torch.randn(self.globals, self.o("queue_size", 4096), out), dim=2))
        self.ptr = 0

    def loss(self, views, step):
        q = [F.normalize(z, dim=1) for z in each(lambda x: self.projector(self.backbone(x)), views)]
        with torch.no_grad():
            self.keys = [F.normalize(self.key_projector(self.key_backbone(x)), dim=1) for x in views[:self.globals]]
        t, total = self.o("temperature", 0.2), 0
        ps = pairs(self.globals, len(views))
        for g, v in ps:
            pos = (q[v] * self.keys[g]).sum(1, keepdim=True)
            logits = torch.cat([pos, q[v] @ self.queues[g].T], 1) / t
            total = total + F.cross_entropy(logits, torch.zeros(len(logits), dtype=torch.long))
        return total / len(ps)

    def after_step(self, step):
        ema(self.backbone, self.key_backbone, 0.99)
        ema(self.projector, self.key_projector, 0.99)
        n = self.keys[0].shape[0]
        idx = torch.arange(self.ptr, self.ptr + n) % self.queues.shape[1]
        for g, k in enumerate(self.keys):
            self.queues[g, idx] = k
        self.ptr = (self.ptr + n) % self.queues.shape[1]


class Byol(Method):
    def __init__(self, *a):
        super().__init__(*a)
        out, hid = self.o("projector_out", 256), self.o("projector_hidden", 4096)
        self.projector = mlp(self.dim, [hid], out)
        self.predictor = mlp(out, [self.o("predictor_hidden", 4096)], out)
        self.target_backbone, self.target_projector = frozen_copy(self.backbone), frozen_copy(self.projector)

    def loss(self, views, step):
        p = [self.predictor(z) for z in each(lambda x: self.projector(self.backbone(x)), views)]
        with torch.no_grad():
            t = [self.target_projector(self.target_backbone(x)) for x in views[:self.globals]]
        ps = pairs(self.globals, len(views))
        return 2 * sum(2 - 2 * F.cosine_similarity(p[v], t[g]).mean() for g, v in ps) / len(ps)

    def after_step(self, step):
        ema(self.backbone, self.target_backbone, 0.99)
        ema(self.projector, self.target_projector, 0.99)


class SimSiam(Method):
    def __init__(self, *a):
        super().__init__(*a)
        hid, out = self.o("projector_hidden", 2048), self.o("projector_out", 2048)
        self.projector = nn.Sequential(mlp(self.dim, [hid] * (self.o("projector_layers", 3) - 1), out),
                                       nn.BatchNorm1d(out, affine=False))
        self.predictor = mlp(out, [self.o("predictor_hidden", 512)], out)

    def loss(self, views, step):
        z = each(lambda x: self.projector(self.backbone(x)), views)
        p = [self.predictor(zv) for zv in z]
        ps = pairs(self.globals, len(views))
        return sum(-F.cosine_similarity(p[v], z[g].detach()).mean() for g, v in ps) / len(ps)


def standardise(z):
    return (z - z.mean(0)) / torch.sqrt(z.var(0, unbiased=False) + 1e-5)


class Barlow(Method):
    def __init__(self, *a):
        super().__init__(*a)
        hid, out = self.o("projector_hidden", 2048), self.o("projector_out", 2048)
        self.projector = mlp(self.dim, [hid, hid], out)

    def loss(self, views, step):
        z = [standardise(zv) for zv in each(lambda x: self.projector(self.backbone(x)), views)]
        lam, n = self.o("lambda", 0.0051), z[0].shape[0]
        total, ps = 0, pairs(self.globals, len(views), ordered=False)
        for a, b in ps:
            c = z[a].T @ z[b] / n
            on = (torch.diagonal(c) - 1).pow(2).sum()
            off = c.pow(2).sum() - torch.diagonal(c).pow(2).sum()
            total = total + self.o("scale_loss", 0.1) * (on + lam * off)
        return total / len(ps)


class VicReg(Method):
    def __init__(self, *a):
        super().__init__(*a)
        hid, out = self.o("projector_hidden", 2048), self.o("projector_out", 2048)
        self.projector = mlp(self.dim, [hid, hid], out)

    def loss(self, views, step):
        z = each(lambda x: self.projector(self.backbone(x)), views)

        def reg(x):
            n, d = x.shape
            xc = x - x.mean(0)
            std = torch.sqrt(x.var(0) + 1e-4)
            cov = xc.T @ xc / (n - 1)
            return 25 * F.relu(1 - std).mean() + (cov.pow(2).sum() - cov.diagonal().pow(2).sum()) / d

        regs = [reg(x) for x in z]
        ps = pairs(self.globals, len(views), ordered=False)
        return sum(25 * F.mse_loss(z[a], z[b]) + regs[a] + regs[b] for a, b in ps) / len(ps)


def sinkhorn(scores, eps=0.05, iterations=3):
    q = torch.exp(scores / eps).T
    q /= q.sum()
    k, b = q.shape
    for _ in range(iterations):
        q /= q.sum(1, keepdim=True)
        q /= k
        q /= q.sum(0, keepdim=True)
        q /= b
    return (q * b).T


class SwAV(Method):
    def __init__(self, *a):
        super().__init__(*a)
        out = self.o("projector_out", 128)
        self.projector = mlp(self.dim, [self.o("projector_hidden", 2048)], out)
        self.prototypes = nn.Linear(out, self.o("prototypes", 3000), bias=False)

    def loss(self, views, step):
        with torch.no_grad():
            self.prototypes.weight.copy_(F.normalize(self.prototypes.weight, dim=1))
        z = [F.normalize(h, dim=1) for h in joint(lambda x: self.projector(self.backbone(x)), views)]
        s = [self.prototypes(zv) for zv in z]
        with torch.no_grad():
            q = [sinkhorn(s[g]) for g in range(self.globals)]
        t, ps = self.o("temperature", 0.1), pairs(self.globals, len(views))
        return sum(-(q[g] * (s[v] / t).log_softmax(1)).sum(1).mean() for g, v in ps) / len(ps)


class Nnclr(Method):
    def __init__(self, *a):
        super().__init__(*a)
        out, hid = self.o("projector_out", 256), self.o("projector_hidden", 2048)
        self.projector = mlp(self.dim, [hid, hid], out, out_bn=True)
        self.predictor = mlp(out, [self.o("predictor_hidden", 4096)], out)
        self.register_buffer("support", F.normalize(torch.randn(self.o("support_size", 4096), out), dim=1))
        self.ptr = 0

    def loss(self, views, step):
        z = each(lambda x: self.projector(self.backbone(x)), views)
        p = [F.normalize(self.predictor(zv), dim=1) for zv in z]
        with torch.no_grad():
            self.first = F.normalize(z[0], dim=1)
            nn_ = [self.support[(F.normalize(z[g], dim=1) @ self.support.T).argmax(1)] for g in range(self.globals)]
        t, ps = self.o("temperature", 0.1), pairs(self.globals, len(views))
        labels = torch.arange(views[0].shape[0])
        return sum(F.cross_entropy(nn_[g] @ p[v].T / t, labels) for g, v in ps) / len(ps)

    def after_step(self, step):
        n = self.first.shape[0]
        idx = torch.arange(self.ptr, self.ptr + n) % self.support.shape[0]
        self.support[idx] = self.first
        self.ptr = (self.ptr + n) % self.support.shape[0]


class WMse(Method):
    def __init__(self, *a):
        super().__init__(*a)
        self.projector = mlp(self.dim, [self.o("projector_hidden", 1024)], self.o("projector_out", 64))

    @staticmethod
    def whiten(x, eps):
        xc = x - x.mean(0)
        cov = xc.T @ xc / (len(x) - 1)
        cov = (1 - eps) * cov + eps * torch.eye(cov.shape[0])
        return xc @ torch.inverse(torch.linalg.cholesky(cov)).T

    def loss(self, views, step):
        n = views[0].shape[0]
        h = torch.cat([self.backbone(x) for x in views])
        z = self.projector(h).chunk(len(views))
        w_size = self.o("w_size", 128)
        eps = 0.0 if min(w_size, n) > z[0].shape[1] else 1e-2
        slices = max(1, n // w_size)
        perm = torch.randperm(n)
        ps, total = pairs(self.globals, len(views), ordered=False), 0
        for s in range(slices):
            idx = perm[s * n // slices:(s + 1) * n // slices]
            w = [self.whiten(zv[idx], eps) for zv in z]
            for a, b in ps:
                total = total + (2 - 2 * F.cosine_similarity(w[a], w[b])).sum()
        return total / (n * len(ps))


class Dino(Method):
    def __init__(self, *a):
        super().__init__(*a)
        hid, bott, k = self.o("projector_hidden", 2048), self.o("bottleneck", 256), self.o("output_dim", 4096)
        self.head = nn.Sequential(nn.Linear(self.dim, hid), nn.GELU(), nn.Linear(hid, hid), nn.GELU(),
                                  nn.Linear(hid, bott))
        self.last = nn.utils.weight_norm(nn.Linear(bott, k, bias=False))
        self.last.weight_g.data.fill_(1)
        self.last.weight_g.requires_grad = False
        self.t_backbone, self.t_head, self.t_last = (frozen_copy(m) for m in (self.backbone, self.head, self.last))
        self.register_buffer("center", torch.zeros(1, k))

    def tower(self, backbone, head, last):
        return lambda x: last(F.normalize(head(backbone(x)), dim=1))

    def loss(self, views, step):
        s = joint(self.tower(self.backbone, self.head, self.last), views)
        with torch.no_grad():
            self.teacher = joint(self.tower(self.t_backbone, self.t_head, self.t_last), views[:self.globals])
        tt, ts, ps = 0.04, self.o("student_temp", 0.1), pairs(self.globals, len(views))
        targets = [F.softmax((t - self.center) / tt, dim=1) for t in self.teacher]
        return sum(-(targets[g] * F.log_softmax(s[v] / ts, dim=1)).sum(1).mean() for g, v in ps) / len(ps)

    def after_step(self, step):
        for o, t in ((self.backbone, self.t_backbone), (self.head, self.t_head), (self.last, self.t_last)):
            ema(o, t, 0.996)
        with torch.no_grad():
            self.center.mul_(0.9).add_(torch.cat(self.teacher).mean(0, keepdim=True), alpha=0.1)


class MeanShift(Method):
    def __init__(self, *a):
        super().__init__(*a)
        hid, out = self.o("projector_hidden", 2 * self.dim), self.o("projector_out", self.dim // 4)
        self.projector = mlp(self.dim, [hid], out)
        self.predictor = mlp(out, [hid], out)
        self.t_backbone, self.t_projector = frozen_copy(self.backbone), frozen_copy(self.projector)
        self.register_buffer("memory", F.normalize(torch.randn(self.o("memory_size", 16384), out), dim=1))
        self.ptr = 0

    def loss(self, views, step):
        target_view = min(1, self.globals - 1)
        queries = [x for i, x in enumerate(views) if i != target_view]
        p = [F.normalize(self.predictor(z), dim=1) for z in each(lambda x: self.projector(self.backbone(x)), queries)]
        with torch.no_grad():
            self.target = F.normalize(self.t_projector(self.t_backbone(views[target_view])), dim=1)
            bank = torch.cat([self.target, self.memory[len(self.target):]])
            nn_ = bank[(self.target @ bank.T).topk(self.o("neighbours", 5), dim=1).indices]
        return sum((2 - 2 * (pv.unsqueeze(1) * nn_).sum(2)).mean() for pv in p) / len(p)

    def after_step(self, step):
        ema(self.backbone, self.t_backbone, 0.99)
        ema(self.projector, self.t_projector, 0.99)
        n = self.target.shape[0]
        idx = torch.arange(self.ptr, self.ptr + n) % self.memory.shape[0]
        self.memory[idx] = self.target
        self.ptr = (self.ptr + n) % self.memory.shape[0]


class Emp(Method):
    def __init__(self, *a):
        super().__init__(*a)
        hid = self.o("projector_hidden", 1024)
        self.projector = mlp(self.dim, [hid, hid], self.o("projector_out", 512))

    def loss(self, views, step):
        z = torch.stack([F.normalize(zv, dim=1) for zv in joint(lambda x: self.projector(self.backbone(x)), views)])
        mean = z.mean(0)
        similarity = torch.stack([F.cosine_similarity(zi, mean, dim=1).mean() for zi in z]).mean()
        n, m, d = z.shape
        eps = self.o("eps", 0.2)
        rate = torch.stack([0.5 * torch.logdet(torch.eye(m) + d / (m * eps) * zi @ zi.T) for zi in z]).mean()
        return -self.o("invariance", 200.0) * similarity - rate


METHODS = {"simclr": SimClr, "mocov2": MoCo, "byol": Byol, "simsiam": SimSiam, "barlow": Barlow, "vicreg": VicReg,
           "swav": SwAV, "nnclr": Nnclr, "wmse": WMse, "dino": Dino, "meanshift": MeanShift, "emp": Emp}


class Lars(torch.optim.Optimizer):
    """Oxbow's SGD/LARS: buf = m buf + g'; w -= lr buf, with g' = (g + wd w) eta ||w|| / (||g|| + wd ||w||) for
    weights (trust eta > 0) and g + wd w otherwise; biases and norm parameters skip LARS and decay."""

    def __init__(self, params, lr, momentum, wd, trust):
        super().__init__(params, dict(lr=lr, momentum=momentum, wd=wd, trust=trust))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                g, wd = p.grad, group["wd"]
                if group["trust"] == 0:
                    g = g.add(p, alpha=wd)
                elif p.ndim > 1:
                    w_norm, g_norm = p.norm(), g.norm()
                    g = g.add(p, alpha=wd)
                    if w_norm > 0 and g_norm > 0:
                        g = g.mul(group["trust"] * w_norm / (g_norm + wd * w_norm))
                state = self.state[p]
                buf = state.setdefault("momentum", torch.zeros_like(p))
                buf.mul_(group["momentum"]).add_(g)
                p.sub_(buf, alpha=group["lr"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--export", required=True)
    ap.add_argument("--method", required=True)
    ap.add_argument("--views", required=True, help="side of each view, comma separated")
    ap.add_argument("--globals", type=int, required=True)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--optimizer", default="sgd")
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--wd", type=float, default=1e-4)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--options", default="")
    ap.add_argument("--ranks", type=int, default=1)
    ap.add_argument("--skip-allreduce", action="store_true")
    ap.add_argument("--port", type=int, default=29517)
    args = ap.parse_args()
    if args.ranks > 1:
        import torch.multiprocessing as mp
        queue = mp.get_context("spawn").SimpleQueue()
        mp.spawn(rank_main, args=(args, queue), nprocs=args.ranks, join=True)
        print(json.dumps(queue.get()))
        return
    print(json.dumps(train(args, 0, 1)))


def rank_main(rank, args, queue):
    import os
    import torch.distributed as dist
    os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = "127.0.0.1", str(args.port)
    dist.init_process_group("gloo", rank=rank, world_size=args.ranks)
    result = train(args, rank, args.ranks)
    if rank == 0:
        queue.put(result)
    dist.destroy_process_group()


class Step(nn.Module):
    """The method's loss as a module's forward, so that DistributedDataParallel hooks its backward."""

    def __init__(self, method):
        super().__init__()
        self.method = method

    def forward(self, views, step):
        return self.method.loss(views, step)


def train(args, rank, ranks):
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    sys.path.insert(0, args.export)
    import oxbow_encoder
    backbone = oxbow_encoder.load(args.export).train()
    channels, dim = backbone.spec["input"]["channels"], backbone.spec["output"]["dim"]
    opts = dict(kv.split("=", 1) for kv in args.options.split(",") if kv)
    model = METHODS[args.method](backbone, dim, opts, args.globals)
    trainable = [p for p in model.parameters() if p.requires_grad]
    if args.optimizer == "adamw":
        opt = torch.optim.AdamW(trainable, lr=args.lr, betas=(args.momentum, 0.999), weight_decay=args.wd)
    else:
        opt = Lars(trainable, args.lr, args.momentum, args.wd, 0.02 if args.optimizer == "lars" else 0)
    sizes = [int(s) for s in args.views.split(",")]
    pool = [[torch.rand(args.batch // ranks, channels, s, s) for s in sizes] for _ in range(4)]
    forward = Step(model)
    sync = contextlib.nullcontext
    if ranks > 1:
        from torch.nn.parallel import DistributedDataParallel
        forward = DistributedDataParallel(forward)
        if args.skip_allreduce:
            sync = forward.no_sync

    def step(i):
        opt.zero_grad(set_to_none=False)
        with sync():
            loss = forward(pool[i % len(pool)], i)
            loss.backward()
        opt.step()
        model.after_step(i)
        return loss.item()

    for i in range(args.warmup):
        step(i)
    start = time.perf_counter()
    for i in range(args.steps):
        step(args.warmup + i)
    seconds = time.perf_counter() - start
    return {"images_per_s": args.steps * args.batch / seconds, "step_ms": 1000 * seconds / args.steps,
            "parameters": sum(p.numel() for p in trainable), "torch": torch.__version__, "ranks": ranks}


if __name__ == "__main__":
    main()
