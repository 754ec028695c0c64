/**
 * P-DARTS (Chen et al. 2019) on the NB201 cell space. First-order bilevel search: α (Adam) on one
 * half of the search data, weights (SGD) on the other, both halves taken from the possibly poisoned
 * training set. Progressive stages: the network deepens (cells per stage, from the tier) while the
 * ops kept per edge shrink (lowest softmax(α) dropped between stages); dropout after skip-connect
 * decays within each stage; the final cell keeps the strongest op per edge with at most
 * `maxSkipConnects` skip-connects (the weakest extra ones give way to their edge's next-best op).
 *
 * As in the reference code, `none` competes during the search (and can be pruned between stages)
 * but is never chosen for the final cell unless it is the only op left on an edge; the α optimiser
 * starts after the stage's warm-up epochs (P-DARTS: the first 10 of 25 epochs train weights only).
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../../data/types.js';
import { takeIndices } from '../../data/split.js';
import { Rng, deriveSeed } from '../../engine/rng.js';
import { countOp, genotypeToString, makeGenotype, type Nb201Genotype } from '../../space/genotype.js';
import { NB201_OPS, type Nb201Op } from '../../space/ops.js';
import { buildSupernet } from '../../space/supernet.js';
import { Adam } from '../../train/adam.js';
import { batchRanges, gatherBatch } from '../../train/batches.js';
import { learningRateAt } from '../../train/recipe.js';
import { Sgd } from '../../train/sgd.js';
import { checkTrainingStepFits } from '../../train/memory-check.js';
import { LossLog, lossAndGradients } from '../../train/trainer.js';
import type { Diagnostics, SearchContext, SearchOutcome } from '../types.js';
import type { PdartsSettings } from './settings.js';

/** Keeps the `keep` strongest ops of each edge (ties: NB201 op order). */
export function pruneEdgeOps(edgeOps: ReadonlyArray<readonly Nb201Op[]>, weights: number[][], keep: number): Nb201Op[][] {
  return edgeOps.map((ops, e) =>
    ops
      .map((op, k) => ({ op, w: weights[e]![k]!, order: NB201_OPS.indexOf(op) }))
      .sort((a, b) => b.w - a.w || a.order - b.order)
      .slice(0, keep)
      .sort((a, b) => a.order - b.order)
      .map((x) => x.op),
  );
}

/**
 * The final genotype: the strongest op other than `none` per edge, then while there are more than
 * `maxSkip` skip-connects, the skip-connect with the lowest weight gives way to its edge's next op.
 */
export function deriveWithSkipLimit(edgeOps: ReadonlyArray<readonly Nb201Op[]>, weights: number[][], maxSkip: number): Nb201Genotype {
  const ranked = edgeOps.map((ops, e) => {
    const all = ops.map((op, k) => ({ op, w: weights[e]![k]!, order: NB201_OPS.indexOf(op) }));
    const usable = all.length > 1 ? all.filter((x) => x.op !== 'none') : all;
    return usable.sort((a, b) => b.w - a.w || a.order - b.order);
  });
  const choice = ranked.map(() => 0);
  const pick = (e: number) => ranked[e]![choice[e]!]!;
  for (;;) {
    const skips = ranked.map((_, e) => e).filter((e) => pick(e).op === 'skip_connect');
    if (skips.length <= maxSkip) break;
    // Only edges that have another op to fall back to can give up their skip-connect.
    const candidates = skips.filter((e) => choice[e]! + 1 < ranked[e]!.length);
    if (candidates.length === 0) break;
    const weakest = candidates.reduce((a, b) => (pick(b).w < pick(a).w ? b : a));
    choice[weakest]!++;
  }
  return makeGenotype(ranked.map((_, e) => pick(e).op));
}

function entropy(p: number[]): number {
  return -p.reduce((s, x) => s + (x > 0 ? x * Math.log(x) : 0), 0);
}

interface StageReport {
  stage: number;
  cellsPerStage: number;
  opsPerEdge: number;
  meanTrainLoss: number;
  meanValLoss: number;
  meanAlphaEntropy: number;
  edgeOps: Nb201Op[][];
  edgeWeights: number[][];
}

/** Runs P-DARTS on `context.train`. */
export async function pdartsSearch(context: SearchContext<PdartsSettings>): Promise<SearchOutcome> {
  const { train, settings, seed } = context;
  const started = performance.now();
  const rng = new Rng(seed).child('pdarts');

  // Search data: a seeded subset, split in halves for weights and α (both possibly poisoned).
  const order = rng.child('subset').permutation(train.n);
  const size = Math.min(train.n, settings.searchSubset ?? train.n);
  const half = Math.floor(size / 2);
  const weightSet: ImageDataset = takeIndices(train, order.subarray(0, half));
  const alphaSet: ImageDataset = takeIndices(train, order.subarray(half, size));

  let edgeOps: Nb201Op[][] = Array.from({ length: 6 }, () => [...NB201_OPS]);
  let weights: number[][] = [];
  const stages: StageReport[] = [];
  let totalSteps = 0;

  for (const [s, stage] of settings.stages.entries()) {
    const supernet = buildSupernet(
      { channels: settings.channels, cellsPerStage: stage.cellsPerStage, inputChannels: train.channels, numClasses: train.numClasses, edgeOps, affine: false },
      new Rng(deriveSeed(seed, 'pdarts-stage', s)),
    );
    checkTrainingStepFits(supernet, {
      key: `pdarts-supernet:${JSON.stringify(edgeOps)}:C${settings.channels}:N${stage.cellsPerStage}`,
      what: `the P-DARTS stage ${s + 1} supernet (C=${settings.channels}, N=${stage.cellsPerStage}, batch ${settings.batchSize})`,
      batch: settings.batchSize,
      data: train,
      channels: settings.channels,
      cellsPerStage: stage.cellsPerStage,
    });
    const sgd = new Sgd({ momentum: settings.weightMomentum, nesterov: false, weightDecay: settings.weightDecay });
    const adam = new Adam({ learningRate: settings.alphaLearningRate, beta1: settings.alphaBeta1, beta2: settings.alphaBeta2, weightDecay: settings.alphaWeightDecay });
    const weightRanges = batchRanges(weightSet.n, settings.batchSize);
    const alphaRanges = batchRanges(alphaSet.n, settings.batchSize);
    const stepsPerEpoch = Math.min(weightRanges.length, alphaRanges.length);
    const recipe = {
      name: 'pdarts-weights',
      epochs: stage.epochs,
      batchSize: settings.batchSize,
      learningRate: settings.weightLearningRate,
      minLearningRate: settings.weightMinLearningRate,
      schedule: 'cosine' as const,
      momentum: settings.weightMomentum,
      nesterov: false,
      weightDecay: settings.weightDecay,
      gradientClipNorm: settings.gradientClipNorm,
      evalBatchSize: 500,
    };
    const batchRng = rng.child('batches', s);
    // Losses stay on the backend and are read once per epoch (asynchronously).
    const trainLosses = new LossLog();
    const valLosses = new LossLog();
    let trainLoss = 0;
    let valLoss = 0;
    let valSteps = 0;
    let stageStep = 0;
    try {
      for (let epoch = 0; epoch < stage.epochs; epoch++) {
        // P-DARTS: the skip-connect dropout rate decays linearly within a stage.
        supernet.skipDropout = (stage.skipDropout * (stage.epochs - epoch - 1)) / stage.epochs;
        const weightOrder = batchRng.permutation(weightSet.n);
        const alphaOrder = batchRng.permutation(alphaSet.n);
        const searchesAlpha = epoch >= stage.warmupEpochs && supernet.archParameters().length > 0;
        for (let i = 0; i < stepsPerEpoch; i++) {
          if (searchesAlpha) {
            const [a0, a1] = alphaRanges[i]!;
            const batch = gatherBatch(alphaSet, alphaOrder, a0, a1);
            try {
              valLosses.push(
                tf.tidy(() => {
                  const alphas = supernet.archParameters();
                  const { loss, grads } = lossAndGradients(supernet, alphas, batch.x, batch.y);
                  adam.apply(alphas, grads);
                  return loss;
                }),
              );
            } finally {
              tf.dispose([batch.x, batch.y]);
            }
            valSteps++;
          }
          const [w0, w1] = weightRanges[i]!;
          const batch = gatherBatch(weightSet, weightOrder, w0, w1);
          try {
            trainLosses.push(
              tf.tidy(() => {
                const { loss, grads } = lossAndGradients(supernet, supernet.params.weights, batch.x, batch.y);
                sgd.step(supernet.params.weights, grads, learningRateAt(recipe, stageStep, stage.epochs * stepsPerEpoch), settings.gradientClipNorm);
                return loss;
              }),
            );
          } finally {
            tf.dispose([batch.x, batch.y]);
          }
          stageStep++;
          totalSteps++;
        }
        let epochTrain = 0;
        for (const loss of await trainLosses.flush()) {
          if (!Number.isFinite(loss)) throw new Error(`pdarts: supernet training diverged (loss ${loss}) in stage ${s + 1}, epoch ${epoch + 1}`);
          epochTrain += loss;
        }
        for (const loss of await valLosses.flush()) valLoss += loss;
        trainLoss = epochTrain / stepsPerEpoch;
        context.log?.(`pdarts stage ${s + 1}/${settings.stages.length} epoch ${epoch + 1}/${stage.epochs} · supernet loss ${trainLoss.toFixed(3)}${searchesAlpha ? '' : ' (warm-up: weights only)'}`);
      }
      weights = await supernet.edgeWeights();
    } finally {
      trainLosses.dispose();
      valLosses.dispose();
      sgd.dispose();
      adam.dispose();
      supernet.dispose();
    }
    stages.push({
      stage: s + 1,
      cellsPerStage: stage.cellsPerStage,
      opsPerEdge: stage.opsPerEdge,
      meanTrainLoss: trainLoss,
      meanValLoss: valSteps > 0 ? valLoss / valSteps : NaN,
      meanAlphaEntropy: weights.reduce((a, w) => a + entropy(w), 0) / weights.length,
      edgeOps: edgeOps.map((ops) => [...ops]),
      edgeWeights: weights.map((w) => w.map((x) => Number(x.toFixed(5)))),
    });
    const next = settings.stages[s + 1];
    if (next) {
      edgeOps = pruneEdgeOps(edgeOps, weights, next.opsPerEdge);
    }
  }

  const genotype = deriveWithSkipLimit(edgeOps, weights, settings.maxSkipConnects);
  const last = stages[stages.length - 1]!;
  const diagnostics: Diagnostics = {
    searchMs: Math.round(performance.now() - started),
    steps: totalSteps,
    skipConnections: countOp(genotype, 'skip_connect'),
    noneEdges: countOp(genotype, 'none'),
    parameterFreeOps: countOp(genotype, 'skip_connect') + countOp(genotype, 'avg_pool_3x3') + countOp(genotype, 'none'),
    convOps: countOp(genotype, 'nor_conv_3x3') + countOp(genotype, 'nor_conv_1x1'),
    finalSupernetLoss: Number(last.meanTrainLoss.toFixed(4)),
    finalAlphaLoss: Number.isFinite(last.meanValLoss) ? Number(last.meanValLoss.toFixed(4)) : null,
    finalAlphaEntropy: Number(last.meanAlphaEntropy.toFixed(4)),
    alphaHistory: JSON.stringify(stages.map((st) => ({ stage: st.stage, ops: st.edgeOps, weights: st.edgeWeights }))),
    genotype: genotypeToString(genotype),
  };
  return { genotype, diagnostics };
}
