#!/usr/bin/env python3
"""py-random: random search over NAS-Bench-201 cells in plain Python 3 (standard library only).

An example of naspoison's exec protocol (harness/nas/exec/README.md): naspoison runs

    python3 search.py <request.json>

and this script reads the request and the IDX files it names, samples `candidates` cells with the
request's seed, scores each with a cheap proxy that uses the (possibly poisoned) labels, and prints
the best one as JSON on stdout. Progress goes to stderr.

The score. Each cell is run with fixed random weights (drawn from the seed, the same for every
cell) as a one-channel NAS-Bench-201 cell on small grey images: node j is the sum over i < j of
op(node i), where nor_conv_kxk is ReLU, a k×k convolution and batch normalisation over the batch,
avg_pool_3x3 a stride-1 3×3 mean over the pixels inside the image, skip_connect the identity and
none zero. The output node's pixels are the cell's features; a nearest-class-mean classifier is
fitted on part of the images and its accuracy on the rest is the score (ties: the earlier cell).
It is a weak signal, in the spirit of training-free NAS scores, chosen because it costs about a
second in pure Python; it depends on the labels, so label poisoning can move the choice, which is
what makes it a real subject for naspoison. It is not a method to draw conclusions from.

Exit status: 0 with the answer on stdout; 2 for a request it cannot serve (unknown protocol,
space or setting, unreadable data), with the reason on stderr; 1 for anything else (a traceback).
"""

import gzip
import json
import math
import random
import struct
import sys
import time

PROTOCOL = "naspoison-exec/1"
OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
EDGES = [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)]  # (to, from), the order of a genotype's ops

# Settings (the tier's nas["py-random"] block, passed through by naspoison) and their defaults.
DEFAULTS = {
    "candidates": 16,  # cells sampled and scored
    "images": 96,  # images of the search set used for scoring (drawn with the seed)
    "resolution": 8,  # images are average-pooled to at most resolution × resolution
    "fitFraction": 0.5,  # share of those images the class means are fitted on (when naspoison sends no validation split)
    "scorePanel": True,  # also score request.panel (answer panelScores)
}


class RequestError(Exception):
    """A request this script cannot serve (exit status 2)."""


def log(message):
    # naspoison prefixes forwarded stderr lines with the method's name.
    print(message, file=sys.stderr, flush=True)


def read_idx(path):
    """Reads an IDX uint8 file, gzip-compressed or not; returns (dims, bytes)."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise RequestError(f"cannot read {path}: {e}")
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise RequestError(f"{path} is not an IDX uint8 file (magic {raw[:4].hex()})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    dims = struct.unpack(">" + "I" * ndim, raw[4:header])
    count = 1
    for d in dims:
        count *= d
    if len(raw) - header != count:
        raise RequestError(f"{path}: header says {'x'.join(map(str, dims))} = {count} bytes, file holds {len(raw) - header}")
    return dims, raw[header:]


def load_pair(pair, data):
    """The images (as grey downsampled lists of floats) and labels of one IDX pair of the request."""
    dims, pixels = read_idx(pair["images"])
    ldims, labels = read_idx(pair["labels"])
    h, w, c = data["height"], data["width"], data["channels"]
    expected = (pair["n"], h, w) if c == 1 else (pair["n"], h, w, c)
    if tuple(dims) != expected or tuple(ldims) != (pair["n"],):
        raise RequestError(f"IDX dimensions {dims} / {ldims} do not match the request ({expected})")
    return pixels, list(labels)


def pooled_grey(pixels, index, h, w, c, r):
    """Image `index` as r × r grey floats in [0, 1]: channel mean, then area average pooling."""
    size = h * w * c
    base = index * size
    rows = [(i * h // r, max((i + 1) * h // r, i * h // r + 1)) for i in range(r)]
    cols = [(j * w // r, max((j + 1) * w // r, j * w // r + 1)) for j in range(r)]
    out = []
    for r0, r1 in rows:
        for c0, c1 in cols:
            # Pixels are HWC: columns c0..c1 of a row, all channels, are one contiguous run.
            total = sum(sum(pixels[base + y * w * c + c0 * c : base + y * w * c + c1 * c]) for y in range(r0, r1))
            out.append(total / ((r1 - r0) * (c1 - c0) * c * 255.0))
    return out


def neighbourhoods(r, k):
    """For each pixel of an r × r image, its (pixel, kernel position) pairs of a k × k window inside the image."""
    half = k // 2
    result = []
    for y in range(r):
        for x in range(r):
            pairs = []
            for dy in range(-half, half + 1):
                for dx in range(-half, half + 1):
                    yy, xx = y + dy, x + dx
                    if 0 <= yy < r and 0 <= xx < r:
                        pairs.append((yy * r + xx, (dy + half) * k + dx + half))
            result.append(pairs)
    return result


class Cell:
    """A one-channel NAS-Bench-201 cell with fixed random weights, applied to a batch of images."""

    def __init__(self, seed, r):
        rng = random.Random(f"{seed}:weights")
        # One weight set per edge, shared by every cell: the score compares cells, not weight draws.
        self.conv3 = [[rng.gauss(0.0, 1.0 / 3.0) for _ in range(9)] for _ in EDGES]
        self.conv1 = [rng.choice([-1.0, 1.0]) for _ in EDGES]
        self.n3 = neighbourhoods(r, 3)

    @staticmethod
    def batch_norm(batch):
        values = [v for image in batch for v in image]
        mean = sum(values) / len(values)
        var = sum((v - mean) ** 2 for v in values) / len(values)
        scale = 1.0 / math.sqrt(var + 1e-5)
        return [[(v - mean) * scale for v in image] for image in batch]

    def op(self, name, edge, batch):
        if name == "skip_connect":
            return batch
        if name == "avg_pool_3x3":
            return [[sum(image[q] for q, _ in pairs) / len(pairs) for pairs in self.n3] for image in batch]
        if name == "nor_conv_1x1":
            w = self.conv1[edge]
            return self.batch_norm([[w * v if v > 0 else 0.0 for v in image] for image in batch])
        if name == "nor_conv_3x3":
            kernel = self.conv3[edge]
            out = []
            for image in batch:
                relu = [v if v > 0 else 0.0 for v in image]
                out.append([sum(kernel[k] * relu[q] for q, k in pairs) for pairs in self.n3])
            return self.batch_norm(out)
        raise ValueError(name)

    def features(self, ops, batch):
        """The output node for every image; None when no path from the input reaches it (all zeros)."""
        nodes = [batch, None, None, None]
        for edge, ((to, frm), name) in enumerate(zip(EDGES, ops)):
            if name == "none" or nodes[frm] is None:
                continue
            contribution = self.op(name, edge, nodes[frm])
            if nodes[to] is None:
                nodes[to] = contribution
            else:
                nodes[to] = [[a + b for a, b in zip(x, y)] for x, y in zip(nodes[to], contribution)]
        return nodes[3]


def nearest_mean_accuracy(features, labels, fit, held_out, num_classes):
    """Accuracy (%) on `held_out` of the nearest class mean fitted on `fit`; a cell with no features scores chance-level ties."""
    if features is None:
        features = [[0.0] for _ in labels]
    dim = len(features[0])
    sums = [[0.0] * dim for _ in range(num_classes)]
    counts = [0] * num_classes
    for i in fit:
        counts[labels[i]] += 1
        s = sums[labels[i]]
        for d, v in enumerate(features[i]):
            s[d] += v
    means = [[v / counts[k] for v in sums[k]] if counts[k] else None for k in range(num_classes)]
    correct = 0
    for i in held_out:
        best, best_distance = -1, math.inf
        for k, m in enumerate(means):
            if m is None:
                continue
            distance = sum((a - b) ** 2 for a, b in zip(features[i], m))
            if distance < best_distance:  # ties: the lower class
                best, best_distance = k, distance
        correct += best == labels[i]
    return 100.0 * correct / len(held_out)


def genotype_string(ops):
    return "|{}~0|+|{}~0|{}~1|+|{}~0|{}~1|{}~2|".format(*ops)


def parse_genotype(text):
    groups = text.strip().split("+")
    ops = [entry.split("~")[0] for g in groups for entry in g.strip("|").split("|")]
    if len(ops) != 6 or any(op not in OPS for op in ops):
        raise RequestError(f"panel cell {text!r} is not a NAS-Bench-201 genotype")
    return ops


def check_settings(given):
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise RequestError(f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(DEFAULTS)}")
    s = {**DEFAULTS, **given}
    for key in ("candidates", "images", "resolution"):
        if not isinstance(s[key], int) or isinstance(s[key], bool) or s[key] < 1:
            raise RequestError(f"setting {key} must be a positive integer, got {s[key]!r}")
    if s["images"] < 4:
        raise RequestError(f"setting images must be at least 4, got {s['images']}")
    if not isinstance(s["fitFraction"], (int, float)) or not 0 < s["fitFraction"] < 1:
        raise RequestError(f"setting fitFraction must be in (0, 1), got {s['fitFraction']!r}")
    if not isinstance(s["scorePanel"], bool):
        raise RequestError(f"setting scorePanel must be true or false, got {s['scorePanel']!r}")
    return s


def search(request):
    started = time.perf_counter()
    if request.get("protocol") != PROTOCOL:
        raise RequestError(f"unknown protocol {request.get('protocol')!r}; this script speaks {PROTOCOL}")
    space = request["space"]
    if space["name"] != "nb201" or space["ops"] != OPS or [(e["to"], e["from"]) for e in space["edges"]] != EDGES:
        raise RequestError(f"unknown search space {space['name']!r} (or another op/edge order)")
    s = check_settings(request["settings"])
    seed = request["seed"]
    data = request["data"]
    h, w, c, num_classes = data["height"], data["width"], data["channels"], data["numClasses"]
    r = min(s["resolution"], h, w)

    # The images: a seeded sample of the search set; with naspoison's validation split, a sample of each part.
    rng = random.Random(f"{seed}:images")
    parts = [data["train"]] + ([data["validation"]] if data["validation"] else [])
    per_part = [s["images"]] if len(parts) == 1 else [s["images"] - s["images"] // 2, s["images"] // 2]
    images, labels, part_of = [], [], []
    for p, (pair, m) in enumerate(zip(parts, per_part)):
        pixels, part_labels = load_pair(pair, data)
        chosen = sorted(rng.sample(range(pair["n"]), min(m, pair["n"])))
        for i in chosen:
            images.append(pooled_grey(pixels, i, h, w, c, r))
            labels.append(part_labels[i])
            part_of.append(p)
    if len(parts) == 2:
        fit = [i for i, p in enumerate(part_of) if p == 0]
        held_out = [i for i, p in enumerate(part_of) if p == 1]
    else:
        order = list(range(len(images)))
        random.Random(f"{seed}:split").shuffle(order)
        cut = max(1, min(len(order) - 1, round(len(order) * s["fitFraction"])))
        fit, held_out = sorted(order[:cut]), sorted(order[cut:])
    log(f"{len(images)} images at {r}x{r} ({len(fit)} to fit, {len(held_out)} to score), {s['candidates']} candidates")

    cell = Cell(seed, r)
    score = lambda ops: nearest_mean_accuracy(cell.features(ops, images), labels, fit, held_out, num_classes)
    sampler = random.Random(f"{seed}:candidates")
    candidates = [[sampler.choice(OPS) for _ in EDGES] for _ in range(s["candidates"])]
    scores = []
    for k, ops in enumerate(candidates):
        scores.append(score(ops))
        if (k + 1) % 8 == 0 or k + 1 == len(candidates):
            log(f"scored {k + 1}/{len(candidates)} candidates (best so far {max(scores):.1f}%)")
    best = max(range(len(scores)), key=lambda k: (scores[k], -k))
    panel_scores = None
    if s["scorePanel"] and request["panel"]:
        panel_scores = [score(parse_genotype(g)) for g in request["panel"]]
        log(f"scored the panel's {len(panel_scores)} cells")
    answer = {
        "genotype": genotype_string(candidates[best]),
        "diagnostics": {
            "candidates": len(candidates),
            "bestScore": scores[best],
            "meanScore": sum(scores) / len(scores),
            "imagesUsed": len(images),
            "resolution": r,
            "pythonMs": round((time.perf_counter() - started) * 1000),
        },
    }
    if panel_scores is not None:
        answer["panelScores"] = panel_scores
    return answer


def main(argv):
    if len(argv) != 2:
        print("usage: search.py <request.json>", file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            request = json.load(f)
        answer = search(request)
    except RequestError as e:
        print(f"search.py: {e}", file=sys.stderr)
        return 2
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
