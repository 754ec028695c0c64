/**
 * FLOPs of NAS-Bench-201 networks, counted as multiply–accumulates of the convolutions and the
 * linear classifier — the convention of OFA's and NB201's counters (`count_convNd`, `count_linear`),
 * where batch norm, ReLU, pooling and additions count nothing. NSGANetV2 minimises this as its
 * second objective.
 *
 * Only the ops a cell actually computes count: an edge counts when it lies on a path from the
 * cell's input to its output ({@link activeGenotype}). The others cannot change the output (or,
 * for a conv reading a node that is always zero, only through a BN shift that is 0 at
 * initialisation — the approximation the canonical form also makes), so the network the harness
 * trains for a cell (its canonical representative) has exactly these convs.
 *
 * @module
 */
import { makeGenotype, type Nb201Genotype } from './genotype.js';
import type { MacroConfig } from './macro.js';
import { NB201_EDGES, NB201_NUM_NODES } from './ops.js';

/**
 * `g` with every edge that is not on an input→output path of the cell set to `none`: the ops a
 * forward pass needs. An edge i→j is on such a path when node i depends on the cell input and node
 * j reaches the cell output (node 3) through edges other than `none`.
 */
export function activeGenotype(g: Nb201Genotype): Nb201Genotype {
  const last = NB201_NUM_NODES - 1;
  const fromInput = [true, false, false, false];
  for (let to = 1; to <= last; to++) {
    fromInput[to] = NB201_EDGES.some((edge, e) => edge.to === to && g[e] !== 'none' && fromInput[edge.from]);
  }
  const toOutput = [false, false, false, true];
  for (let from = last - 1; from >= 0; from--) {
    toOutput[from] = NB201_EDGES.some((edge, e) => edge.from === from && g[e] !== 'none' && toOutput[edge.to]);
  }
  return makeGenotype(g.map((op, e) => (op !== 'none' && fromInput[NB201_EDGES[e]!.from] && toOutput[NB201_EDGES[e]!.to] ? op : 'none')));
}

/** A network's size for counting: the skeleton's channels and cells, and its input images. */
export interface FlopsConfig extends MacroConfig {
  /** Input height and width (pixels). */
  height: number;
  width: number;
}

/** Output side of a 3×3, stride-2, padding-1 convolution (the reduction block's first conv). */
function halved(side: number): number {
  return Math.floor((side - 1) / 2) + 1;
}

/** Multiply–accumulates of one cell on `channels` channels at `pixels` positions. */
export function cellFlops(g: Nb201Genotype, channels: number, pixels: number): number {
  let kernelTaps = 0;
  for (const op of activeGenotype(g)) {
    if (op === 'nor_conv_1x1') kernelTaps += 1;
    else if (op === 'nor_conv_3x3') kernelTaps += 9;
  }
  return kernelTaps * channels * channels * pixels;
}

/**
 * Multiply–accumulates of the whole NB201 network of `g` at `config`: 3×3 stem, three stages of
 * `cellsPerStage` cells at C, 2C, 4C channels, the two residual reduction blocks (3×3 stride-2
 * conv, 3×3 conv, 1×1 shortcut), and the linear classifier on 4C features.
 */
export function networkFlops(g: Nb201Genotype, config: FlopsConfig): number {
  const { channels: C, cellsPerStage, inputChannels, numClasses } = config;
  let h = config.height;
  let w = config.width;
  let total = 9 * inputChannels * C * h * w;
  for (let stage = 0; stage < 3; stage++) {
    const width = C * 2 ** stage;
    if (stage > 0) {
      const previous = width / 2;
      // The shortcut's 1×1 conv reads a 2×2 average pool ('valid'): ⌊side/2⌋, the same for even sides.
      const shortcutPixels = Math.floor(h / 2) * Math.floor(w / 2);
      h = halved(h);
      w = halved(w);
      total += 9 * previous * width * h * w + 9 * width * width * h * w + previous * width * shortcutPixels;
    }
    total += cellsPerStage * cellFlops(g, width, h * w);
  }
  return total + 4 * C * numClasses;
}
