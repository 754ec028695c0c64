"""PyTorch peer of benchmarks/perf/train-step.bench.ts: the same training steps, same shapes.

The bench finds the interpreter itself (benchmarks/perf/peer.ts); by hand, e.g. Debian's:
  /usr/bin/python3 benchmarks/perf/torch_peer.py [--device cpu|cuda] [--cases three-conv,paper-search]
Prints one JSON line per step: {"name", "ms_per_step", "mean_ms", "loss", "device", ...}. CPU: one
thread by default, like TF.js wasm. CUDA: every step ends with torch.cuda.synchronize(), so a step's
time is its GPU time too (the naspoison side awaits its loss each step as well).
Cases (steps.ts): three-conv 28x28x1 b64; nb201-network and nb201-supernet C=8 N=1 16x16x1 b64;
paper-evaluation: NB201 network C=16 N=5 32x32x3 b256; paper-search: NB201 supernet C=16 N=5 32x32x3 b64.
Networks mirror harness/space (NB201 ReLUConvBN, count_include_pad=False pooling, ResNet reduction
block, stem, BN-ReLU-GAP-linear head) and PyTorch's default init; the supernet mixes every op on
every edge by softmax(alpha) with affine=False batch norm, as harness/space/supernet.ts.
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
EDGES = [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)]


class ReLUConvBN(nn.Sequential):
    def __init__(self, cin, cout, k, stride, pad, affine):
        super().__init__(nn.ReLU(), nn.Conv2d(cin, cout, k, stride, pad, bias=False), nn.BatchNorm2d(cout, affine=affine))


def make_op(op, c, affine):
    if op == "none":
        return None
    if op == "skip_connect":
        return nn.Identity()
    if op == "nor_conv_1x1":
        return ReLUConvBN(c, c, 1, 1, 0, affine)
    if op == "nor_conv_3x3":
        return ReLUConvBN(c, c, 3, 1, 1, affine)
    return nn.AvgPool2d(3, 1, 1, count_include_pad=False)


class Cell(nn.Module):
    """Fixed genotype (ops: list of 6) or mixed (ops=None: all five on every edge, weighted)."""

    def __init__(self, c, genotype, affine):
        super().__init__()
        self.mixed = genotype is None
        names = [OPS] * 6 if self.mixed else [[g] for g in genotype]
        self.edges = nn.ModuleList(nn.ModuleList([m for m in (make_op(o, c, affine) for o in ops) if m is not None]) for ops in names)
        self.kinds = [[o for o in ops if o != "none"] for ops in names]

    def forward(self, x, weights=None):
        nodes = [x]
        for to in (1, 2, 3):
            terms = []
            for e, (t, f) in enumerate(EDGES):
                if t != to:
                    continue
                for k, m in enumerate(self.edges[e]):
                    out = m(nodes[f])
                    if self.mixed:
                        out = out * weights[e][OPS.index(self.kinds[e][k])]
                    terms.append(out)
            nodes.append(sum(terms) if terms else torch.zeros_like(x))
        return nodes[3]


class ResBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.a = ReLUConvBN(cin, cout, 3, 2, 1, True)
        self.b = ReLUConvBN(cout, cout, 3, 1, 1, True)
        self.down = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(cin, cout, 1, 1, 0, bias=False))

    def forward(self, x):
        return self.down(x) + self.b(self.a(x))


class Net(nn.Module):
    def __init__(self, c, n, in_c, classes, genotype):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c))
        layers = []
        widths = [c, 2 * c, 4 * c]
        for s, w in enumerate(widths):
            if s:
                layers.append(ResBlock(widths[s - 1], w))
            layers += [Cell(w, genotype, genotype is not None) for _ in range(n)]
        self.layers = nn.ModuleList(layers)
        self.last = nn.BatchNorm2d(4 * c)
        self.fc = nn.Linear(4 * c, classes)
        self.alphas = nn.Parameter(1e-3 * torch.randn(6, 5)) if genotype is None else None

    def forward(self, x):
        weights = F.softmax(self.alphas, dim=-1) if self.alphas is not None else None
        h = self.stem(x)
        for layer in self.layers:
            h = layer(h, weights) if isinstance(layer, Cell) else layer(h)
        return self.fc(F.relu(self.last(h)).mean((2, 3)))


class ThreeConv(nn.Module):
    """The fixed 3-conv benchmark net of environment.md (16 channels, 3×3, avg-pool, dense)."""

    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.ws = nn.ParameterList([nn.Parameter(torch.randn(*s, generator=g) * 0.1) for s in [(16, 1, 3, 3), (16, 16, 3, 3), (16, 16, 3, 3), (16, 10)]])

    def forward(self, x):
        h = F.relu(F.conv2d(x, self.ws[0], padding=1))
        h = F.relu(F.conv2d(h, self.ws[1], padding=1))
        h = F.avg_pool2d(h, 2)
        h = F.relu(F.conv2d(h, self.ws[2], padding=1)).mean((2, 3))
        return h @ self.ws[3]


def time_step(model, size, in_c, batch, iters, warmup, device):
    torch.manual_seed(0)
    model = model.to(device)
    x = torch.randn(batch, in_c, size, size).to(device)
    y = torch.randint(0, 10, (batch,)).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
    cuda = device == "cuda"

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        value = loss.item()
        if cuda:
            torch.cuda.synchronize()
        return value

    for _ in range(warmup):
        step()
    samples = []
    loss = float("nan")
    for _ in range(iters):
        t = time.perf_counter()
        loss = step()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return samples[len(samples) // 2], sum(samples) / len(samples), loss


# name -> (builder(genotype), image size, input channels, batch, paper scale)
CASES = {
    "three-conv": (lambda g: ThreeConv(), 28, 1, 64, False),
    "nb201-network": (lambda g: Net(8, 1, 1, 10, g), 16, 1, 64, False),
    "nb201-supernet": (lambda g: Net(8, 1, 1, 10, None), 16, 1, 64, False),
    "paper-evaluation": (lambda g: Net(16, 5, 3, 10, g), 32, 3, 256, True),
    "paper-search": (lambda g: Net(16, 5, 3, 10, None), 32, 3, 64, True),
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--cases", default="three-conv,nb201-network,nb201-supernet")
    p.add_argument("--iters", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--paper-iters", type=int, default=3)
    p.add_argument("--paper-warmup", type=int, default=1)
    p.add_argument("--genotype", default="|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|")
    a = p.parse_args()
    if a.device == "cpu":
        torch.set_num_threads(a.threads)
    elif not torch.cuda.is_available():
        raise SystemExit("--device cuda: torch.cuda.is_available() is False")
    genotype = [tok.split("~")[0] for node in a.genotype.strip("|").split("|+|") for tok in node.split("|")]
    for name in a.cases.split(","):
        if name not in CASES:
            raise SystemExit(f"unknown case {name!r}; known: {', '.join(CASES)}")
        build, size, in_c, batch, paper = CASES[name]
        torch.manual_seed(0)
        iters, warmup = (a.paper_iters, a.paper_warmup) if paper else (a.iters, a.warmup)
        median, mean, loss = time_step(build(genotype), size, in_c, batch, iters, warmup, a.device)
        print(json.dumps({"name": name, "ms_per_step": round(median, 3), "mean_ms": round(mean, 3), "loss": round(loss, 4), "torch": torch.__version__,
                          "device": a.device, "threads": a.threads if a.device == "cpu" else 0, "iters": iters, "batch": batch}), flush=True)
        del build


if __name__ == "__main__":
    main()
