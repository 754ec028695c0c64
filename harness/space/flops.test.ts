// FLOPs (multiply–accumulates of convs and the classifier) of NB201 networks, against hand counts.
import { describe, expect, test } from 'vitest';
import { canonicalRepresentative } from './canonical.js';
import { activeGenotype, cellFlops, networkFlops, type FlopsConfig } from './flops.js';
import { genotypeFromIndex, genotypeFromString } from './genotype.js';

const tiny: FlopsConfig = { channels: 2, cellsPerStage: 1, inputChannels: 1, numClasses: 4, height: 8, width: 8 };
const g = genotypeFromString;

describe('activeGenotype', () => {
  test('drops ops whose output cannot reach the cell output, and ops reading a node the input never reaches', () => {
    // Node 1 feeds nothing: its conv is dead.
    expect(activeGenotype(g('|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|'))).toEqual(g('|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|'));
    // Node 2 has no input (its only in-edge is none), so the conv 2→3 reads zeros.
    expect(activeGenotype(g('|none~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_1x1~2|'))).toEqual(g('|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|'));
    const full = g('|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|');
    expect(activeGenotype(full)).toEqual(full);
  });
});

describe('networkFlops', () => {
  // C=2, N=1, 8×8×1 input, 4 classes, by hand:
  // stem 9·1·2·64 = 1152; reduction to 4×4: 9·2·4·16 + 9·4·4·16 + 2·4·16 = 3584;
  // reduction to 2×2: 9·4·8·4 + 9·8·8·4 + 4·8·4 = 3584; classifier 8·4 = 32 → skeleton 8352.
  // A 3×3 conv in a cell: 9·2·2·64 = 2304, 9·4·4·16 = 2304, 9·8·8·4 = 2304; a 1×1: 256 in each stage.
  test('hand counts of the skeleton, a 3×3 and a 1×1 cell', () => {
    expect(networkFlops(g('|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|'), tiny)).toBe(8352);
    expect(networkFlops(g('|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|'), tiny)).toBe(8352 + 3 * 2304);
    expect(networkFlops(g('|none~0|+|none~0|none~1|+|nor_conv_1x1~0|none~1|none~2|'), tiny)).toBe(8352 + 3 * 256);
    // Pools and skips cost nothing; a dead conv costs nothing.
    expect(networkFlops(g('|nor_conv_3x3~0|+|avg_pool_3x3~0|none~1|+|skip_connect~0|none~1|avg_pool_3x3~2|'), tiny)).toBe(8352);
    // Two cells per stage double the cells' share.
    expect(networkFlops(g('|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|'), { ...tiny, cellsPerStage: 2 })).toBe(8352 + 6 * 2304);
  });

  test('cellFlops counts kernel taps × C² × pixels of the active convs', () => {
    expect(cellFlops(g('|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|nor_conv_1x1~0|nor_conv_1x1~1|nor_conv_3x3~2|'), 16, 1024)).toBe((9 + 1 + 9 + 1 + 1 + 9) * 256 * 1024);
  });

  test('a cell and its canonical representative (the network the harness trains) cost the same', () => {
    for (let i = 0; i < 15_625; i += 37) {
      const cell = genotypeFromIndex(i);
      expect(networkFlops(canonicalRepresentative(cell), tiny), cell.join(',')).toBe(networkFlops(cell, tiny));
    }
  });
});
