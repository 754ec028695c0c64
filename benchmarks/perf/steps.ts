/**
 * The training steps the perf benchmark times, built with naspoison's own layers so the numbers are
 * those of the harness: (a) the fixed 3-conv net of environment.md, (b) one NB201 network, (c) the
 * NB201 supernet, and the two paper-scale steps of issue 7 — the NB201 network C=16 N=5 at
 * 32×32×3, batch 256 (paper evaluation) and the supernet at the same size, batch 64 (paper search).
 * Same shapes, optimizer and loss as benchmarks/perf/torch_peer.py.
 *
 * A step reads its loss asynchronously (`await loss.data()`): webgpu in Node cannot read
 * synchronously, and the trainer reads the same way.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../harness/engine/rng.js';
import { ensureTrainingStepFits, leanVariableGrads, type ProbeModel, type StepFit } from '../../harness/engine/memory-budget.js';
import { genotypeFromString } from '../../harness/space/genotype.js';
import type { MacroConfig } from '../../harness/space/macro.js';
import { buildNetwork } from '../../harness/space/network.js';
import { buildSupernet } from '../../harness/space/supernet.js';
import { crossEntropy } from '../../harness/train/trainer.js';
import { Sgd } from '../../harness/train/sgd.js';

export const BENCH_GENOTYPE = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';

export const STEP_CASE_NAMES = ['three-conv', 'nb201-network', 'nb201-supernet', 'paper-evaluation', 'paper-search'] as const;
export type StepCaseName = (typeof STEP_CASE_NAMES)[number];

/** The cases a plain run times (a few minutes at most on 2 cores). */
export const SMALL_CASES: readonly StepCaseName[] = ['three-conv', 'nb201-network', 'nb201-supernet'];
/** The paper-scale cases: seconds per step on a CPU, so opt-in (`--cases paper`). */
export const PAPER_CASES: readonly StepCaseName[] = ['paper-evaluation', 'paper-search'];

/** One case's shapes; torch_peer.py's CASES table holds the same. */
export interface StepCaseSpec {
  name: StepCaseName;
  /** One line for the table's legend. */
  description: string;
  kind: 'three-conv' | 'network' | 'supernet';
  batch: number;
  /** Input images: size × size × inputChannels. */
  size: number;
  inputChannels: number;
  /** NB201 skeleton (network and supernet kinds). */
  macro?: MacroConfig;
  paperScale: boolean;
}

const SMALL_MACRO: MacroConfig = { channels: 8, cellsPerStage: 1, inputChannels: 1, numClasses: 10 };
const PAPER_MACRO: MacroConfig = { channels: 16, cellsPerStage: 5, inputChannels: 3, numClasses: 10 };

export const STEP_CASES: Record<StepCaseName, StepCaseSpec> = {
  'three-conv': { name: 'three-conv', description: '3-conv net, 16 channels, 28×28×1, batch 64', kind: 'three-conv', batch: 64, size: 28, inputChannels: 1, paperScale: false },
  'nb201-network': { name: 'nb201-network', description: 'NB201 network C=8 N=1, 16×16×1, batch 64', kind: 'network', batch: 64, size: 16, inputChannels: 1, macro: SMALL_MACRO, paperScale: false },
  'nb201-supernet': { name: 'nb201-supernet', description: 'NB201 supernet C=8 N=1, 16×16×1, batch 64', kind: 'supernet', batch: 64, size: 16, inputChannels: 1, macro: SMALL_MACRO, paperScale: false },
  'paper-evaluation': { name: 'paper-evaluation', description: 'NB201 network C=16 N=5, 32×32×3, batch 256 (paper evaluation)', kind: 'network', batch: 256, size: 32, inputChannels: 3, macro: PAPER_MACRO, paperScale: true },
  'paper-search': { name: 'paper-search', description: 'NB201 supernet C=16 N=5, 32×32×3, batch 64 (paper search)', kind: 'supernet', batch: 64, size: 32, inputChannels: 3, macro: PAPER_MACRO, paperScale: true },
};

/** `small` | `paper` | `all` | comma-separated case names → the cases, in table order. */
export function parseCases(value: string): StepCaseName[] {
  const picked = new Set<StepCaseName>();
  for (const part of value.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    if (part === 'small' || part === 'all') SMALL_CASES.forEach((c) => picked.add(c));
    if (part === 'paper' || part === 'all') PAPER_CASES.forEach((c) => picked.add(c));
    if (part === 'small' || part === 'paper' || part === 'all') continue;
    if (!(STEP_CASE_NAMES as readonly string[]).includes(part)) {
      throw new Error(`--cases: unknown case "${part}"; choose small, paper, all or any of ${STEP_CASE_NAMES.join(', ')}`);
    }
    picked.add(part as StepCaseName);
  }
  if (picked.size === 0) throw new Error('--cases: no case given');
  return STEP_CASE_NAMES.filter((c) => picked.has(c));
}

/** Which gradient function the step uses (`tfjs`: tf.variableGrads, as the trainer; `lean`: leanVariableGrads). */
export type GradientsChoice = 'tfjs' | 'lean';

/** One prepared training step and what it owns. */
export interface StepCase {
  name: StepCaseName;
  spec: StepCaseSpec;
  /** The memory check done before the first step (limit undefined where none is known). */
  memory: StepFit;
  /** One full step (forward, backward, SGD update); resolves to the loss, read asynchronously. */
  run(): Promise<number>;
  dispose(): void;
}

interface BuiltModel {
  model: ProbeModel & { params: { weights: tf.Variable[] } };
  dispose(): void;
}

function threeConv(rng: Rng): BuiltModel {
  const draw = (shape: number[]) => {
    const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < v.length; i++) v[i] = 0.1 * rng.normal();
    return tf.variable(tf.tensor(v, shape));
  };
  const [w0, w1, w2, w3] = [draw([3, 3, 1, 16]), draw([3, 3, 16, 16]), draw([3, 3, 16, 16]), draw([16, 10])] as [
    tf.Variable<tf.Rank.R4>, tf.Variable<tf.Rank.R4>, tf.Variable<tf.Rank.R4>, tf.Variable<tf.Rank.R2>,
  ];
  return {
    model: {
      params: { weights: [w0, w1, w2, w3] },
      forward: (x) => {
        let h = tf.relu(tf.conv2d(x, w0, 1, 'same'));
        h = tf.relu(tf.conv2d(h, w1, 1, 'same'));
        h = tf.avgPool(h, 2, 2, 'same');
        h = tf.relu(tf.conv2d(h, w2, 1, 'same'));
        return tf.matMul(tf.mean(h, [1, 2]) as tf.Tensor2D, w3);
      },
    },
    dispose: () => tf.dispose([w0, w1, w2, w3]),
  };
}

function buildModel(spec: StepCaseSpec): BuiltModel {
  if (spec.kind === 'three-conv') return threeConv(new Rng(1));
  const macro = spec.macro!;
  if (spec.kind === 'network') {
    const net = buildNetwork(genotypeFromString(BENCH_GENOTYPE), macro, new Rng(2));
    return { model: net, dispose: () => net.dispose() };
  }
  const supernet = buildSupernet(macro, new Rng(3));
  return { model: { params: supernet.params, forward: supernet.forward }, dispose: () => supernet.dispose() };
}

/**
 * Builds one case on the active backend. Before the first step its memory is checked
 * (ensureTrainingStepFits: measured on wasm, where the heap is limited to 4 GiB); a step that
 * cannot fit throws a StepMemoryError naming what it needs, and nothing is left allocated.
 */
export function buildStepCase(name: StepCaseName, gradients: GradientsChoice = 'tfjs'): StepCase {
  const spec = STEP_CASES[name];
  const built = buildModel(spec);
  let memory: StepFit;
  try {
    memory = ensureTrainingStepFits({
      key: `bench:${name}:${BENCH_GENOTYPE}`,
      model: built.model,
      inputShape: [spec.size, spec.size, spec.inputChannels],
      numClasses: 10,
      batch: spec.batch,
      gradients,
      what: `bench case ${name}`,
    });
  } catch (error) {
    built.dispose();
    throw error;
  }
  const rng = new Rng(7);
  const pixels = new Float32Array(spec.batch * spec.size * spec.size * spec.inputChannels);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.normal();
  const labels = new Float32Array(spec.batch * 10);
  for (let i = 0; i < spec.batch; i++) labels[i * 10 + rng.int(10)] = 1;
  const x = tf.tensor4d(pixels, [spec.batch, spec.size, spec.size, spec.inputChannels]);
  const y = tf.tensor2d(labels, [spec.batch, 10]);
  const optimizer = new Sgd({ momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
  const { model } = built;
  const weights = model.params.weights;
  const variableGrads = gradients === 'lean' ? leanVariableGrads : (f: () => tf.Scalar, vs: readonly tf.Variable[]) => tf.variableGrads(f, [...vs]);
  return {
    name,
    spec,
    memory,
    run: async () => {
      const loss = tf.tidy(() => {
        const { value, grads } = variableGrads(() => crossEntropy(y, model.forward(x, { training: true })), weights);
        optimizer.step(weights, new Map(weights.map((v) => [v, grads[v.name]!] as [tf.Variable, tf.Tensor])), 0.05);
        return value;
      });
      try {
        return (await loss.data())[0]!;
      } finally {
        loss.dispose();
      }
    },
    dispose: () => {
      optimizer.dispose();
      tf.dispose([x, y]);
      built.dispose();
    },
  };
}

/** Builds the given cases (default: the small ones) on the active backend; throws like {@link buildStepCase}. */
export function buildStepCases(names: readonly StepCaseName[] = SMALL_CASES, gradients: GradientsChoice = 'tfjs'): StepCase[] {
  return names.map((name) => buildStepCase(name, gradients));
}
