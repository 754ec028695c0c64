/**
 * The three training steps the perf benchmark times, built with naspoison's own layers so the
 * numbers are those of the harness: (a) the fixed 3-conv net of environment.md, (b) one NB201
 * network, (c) the NB201 supernet. Same shapes as benchmarks/perf/torch_peer.py.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../harness/engine/rng.js';
import { genotypeFromString } from '../../harness/space/genotype.js';
import { buildNetwork } from '../../harness/space/network.js';
import { buildSupernet } from '../../harness/space/supernet.js';
import { crossEntropy, type Trainable } from '../../harness/train/trainer.js';
import { Sgd } from '../../harness/train/sgd.js';

export const BENCH_GENOTYPE = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';
export const BENCH_BATCH = 64;

/** One prepared training step and what it owns. */
export interface StepCase {
  name: 'three-conv' | 'nb201-network' | 'nb201-supernet';
  run(): number;
  dispose(): void;
}

function threeConv(rng: Rng): Trainable {
  const draw = (shape: number[]) => {
    const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < v.length; i++) v[i] = 0.1 * rng.normal();
    return tf.variable(tf.tensor(v, shape));
  };
  const [w0, w1, w2, w3] = [draw([3, 3, 1, 16]), draw([3, 3, 16, 16]), draw([3, 3, 16, 16]), draw([16, 10])] as [
    tf.Variable<tf.Rank.R4>, tf.Variable<tf.Rank.R4>, tf.Variable<tf.Rank.R4>, tf.Variable<tf.Rank.R2>,
  ];
  return {
    params: { weights: [w0, w1, w2, w3] },
    forward: (x) => {
      let h = tf.relu(tf.conv2d(x, w0, 1, 'same'));
      h = tf.relu(tf.conv2d(h, w1, 1, 'same'));
      h = tf.avgPool(h, 2, 2, 'same');
      h = tf.relu(tf.conv2d(h, w2, 1, 'same'));
      return tf.matMul(tf.mean(h, [1, 2]) as tf.Tensor2D, w3);
    },
  };
}

function prepare(name: StepCase['name'], model: Trainable, size: number, dispose: () => void): StepCase {
  const rng = new Rng(7);
  const pixels = new Float32Array(BENCH_BATCH * size * size);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.normal();
  const labels = new Float32Array(BENCH_BATCH * 10);
  for (let i = 0; i < BENCH_BATCH; i++) labels[i * 10 + rng.int(10)] = 1;
  const x = tf.tensor4d(pixels, [BENCH_BATCH, size, size, 1]);
  const y = tf.tensor2d(labels, [BENCH_BATCH, 10]);
  const optimizer = new Sgd({ momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
  const weights = model.params.weights;
  return {
    name,
    run: () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => crossEntropy(y, model.forward(x, { training: true })), weights);
        optimizer.step(weights, new Map(weights.map((v) => [v, grads[v.name]!] as [tf.Variable, tf.Tensor])), 0.05);
        return value.dataSync()[0]!;
      }),
    dispose: () => {
      optimizer.dispose();
      tf.dispose([x, y]);
      dispose();
    },
  };
}

/** Builds the three benchmark steps on the active backend. */
export function buildStepCases(): StepCase[] {
  const macro = { channels: 8, cellsPerStage: 1, inputChannels: 1, numClasses: 10 };
  const three = threeConv(new Rng(1));
  const net = buildNetwork(genotypeFromString(BENCH_GENOTYPE), macro, new Rng(2));
  const supernet = buildSupernet(macro, new Rng(3));
  return [
    prepare('three-conv', three, 28, () => tf.dispose(three.params.weights)),
    prepare('nb201-network', net, 16, () => net.dispose()),
    prepare('nb201-supernet', { params: supernet.params, forward: supernet.forward }, 16, () => supernet.dispose()),
  ];
}
