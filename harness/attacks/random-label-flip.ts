/**
 * Random label flipping (RLF): exactly round(p·n) indices drawn uniformly without replacement;
 * each gets a label drawn uniformly from the other classes.
 */
import { datasetContentHash, type ImageDataset } from '../data/types.js';
import { Rng } from '../engine/rng.js';
import { checkBudget, makeArtifact, poisonCount } from './poison.js';
import type { Attack } from './types.js';

export const randomLabelFlip: Attack = {
  name: 'random-label-flip',
  description: 'random label flipping: round(p·n) uniform indices get a uniformly drawn wrong label',
  kind: 'label',
  params: {},
  craft(train: ImageDataset, budget: number, context) {
    checkBudget(budget, 'random-label-flip');
    if (train.numClasses < 2) throw new Error(`random-label-flip needs at least 2 classes, ${train.name} has ${train.numClasses}`);
    const rng = new Rng(context.seed).child('random-label-flip');
    const indices = rng.sampleWithoutReplacement(train.n, poisonCount(budget, train.n)).sort();
    const labels = new Int32Array(indices.length);
    indices.forEach((index, k) => {
      const original = train.labels[index]!;
      const shifted = rng.int(train.numClasses - 1);
      labels[k] = shifted >= original ? shifted + 1 : shifted;
    });
    return makeArtifact({ attack: 'random-label-flip', budget, params: {}, datasetHash: datasetContentHash(train), indices, labels }, train);
  },
};
