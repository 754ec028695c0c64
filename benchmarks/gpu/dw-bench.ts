/**
 * The webgpu kernels naspoison replaced, against tfjs-backend-webgpu's originals on the same GPU:
 * ms per call (wall time of N back-to-back calls ended by one read, so GPU time included) and the
 * relative L2 difference of the outputs, at the convolution sizes of NB201's paper-scale steps
 * (evaluation: batch 256, C = 16/32/64 at 32/16/8 px; search: batch 64) and the small benchmark net.
 *
 *   node node_modules/tsx/dist/cli.mjs benchmarks/gpu/dw-bench.ts [--calls 10] [--json out.json]
 *
 * For AvgPoolGrad the original is wrong at padded borders, so its difference is large by design;
 * the composed kernel's correctness is checked by harness/engine/webgpu-gradients.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../harness/engine/backend.js';
import { assertNoDeviceErrors } from '../../harness/engine/webgpu/device.js';
import { originalWebgpuKernel, type ReplacedWebgpuKernel } from '../../harness/engine/webgpu/register.js';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '10' }, json: { type: 'string' } } });
const CALLS = Number(values.calls);

const P1: tf.backend_util.ExplicitPadding = [[0, 0], [1, 1], [1, 1], [0, 0]];

interface Case {
  kernel: ReplacedWebgpuKernel;
  name: string;
  inputs: () => Record<string, tf.Tensor>;
  attrs: Record<string, unknown>;
}

const dwCase = (name: string, x: [number, number, number, number], filter: [number, number, number, number], strides: number, pad: tf.backend_util.ExplicitPadding | 'valid'): Case => {
  const info = tf.backend_util.computeConv2DInfo(x, filter, strides, 1, pad);
  return {
    kernel: 'Conv2DBackpropFilter',
    name,
    inputs: () => ({ x: tf.randomNormal(x, 0, 1, 'float32', 1), dy: tf.randomNormal([x[0], info.outHeight, info.outWidth, filter[3]], 0, 1, 'float32', 2) }),
    attrs: { strides, pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: filter },
  };
};

const CASES: Case[] = [
  dwCase('dW 3×3 s1, batch 256, 32×32×16 (paper evaluation, stage 1)', [256, 32, 32, 16], [3, 3, 16, 16], 1, P1),
  dwCase('dW 3×3 s1, batch 256, 16×16×32 (stage 2)', [256, 16, 16, 32], [3, 3, 32, 32], 1, P1),
  dwCase('dW 3×3 s1, batch 256, 8×8×64 (stage 3)', [256, 8, 8, 64], [3, 3, 64, 64], 1, P1),
  dwCase('dW 3×3 s2, batch 256, 32×32 16 → 32 (residual convA)', [256, 32, 32, 16], [3, 3, 16, 32], 2, P1),
  dwCase('dW 1×1, batch 256, 32×32×16', [256, 32, 32, 16], [1, 1, 16, 16], 1, 'valid'),
  dwCase('dW 3×3 s1, batch 64, 32×32×16 (paper search, stage 1)', [64, 32, 32, 16], [3, 3, 16, 16], 1, P1),
  dwCase('dW 3×3 s1, batch 64, 16×16×8 (small benchmark net)', [64, 16, 16, 8], [3, 3, 8, 8], 1, P1),
  {
    kernel: 'AvgPoolGrad',
    name: 'AvgPoolGrad 3×3 s1 same, batch 256, 32×32×16',
    inputs: () => ({ dy: tf.randomNormal([256, 32, 32, 16], 0, 1, 'float32', 3), input: tf.zeros([256, 32, 32, 16]) }),
    attrs: { filterSize: 3, strides: 1, pad: 'same' },
  },
  {
    kernel: 'AddN',
    name: 'AddN of 12, 64×8×8×64 (supernet node 3)',
    inputs: () => Object.fromEntries(Array.from({ length: 12 }, (_, i) => [String(i), tf.randomNormal([64, 8, 8, 64], 0, 1, 'float32', 10 + i)])),
    attrs: {},
  },
];

/** ms per call of `kernelFunc` and its last output's values. */
async function time(kernelFunc: tf.KernelFunc, c: Case, inputs: Record<string, tf.Tensor>): Promise<{ ms: number; out: Float32Array }> {
  const backend = tf.backend();
  // AddN's kernels take an array (as tfjs's op passes it).
  const args = c.kernel === 'AddN' ? (Object.values(inputs) as unknown as tf.NamedTensorInfoMap) : inputs;
  const call = (): tf.Tensor => tf.engine().makeTensorFromTensorInfo(kernelFunc({ inputs: args, backend, attrs: c.attrs as tf.NamedAttrMap }) as tf.TensorInfo);
  for (let i = 0; i < 2; i++) {
    const warm = call();
    await warm.data();
    warm.dispose();
  }
  const start = performance.now();
  let last: tf.Tensor | undefined;
  for (let i = 0; i < CALLS; i++) {
    last?.dispose();
    last = call();
  }
  const out = Float32Array.from((await last!.data()) as Float32Array);
  const ms = (performance.now() - start) / CALLS;
  last!.dispose();
  return { ms, out };
}

function relativeL2(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i]! - b[i]!) ** 2;
    n += b[i]! ** 2;
  }
  return Math.sqrt(d / n);
}

const active = await initBackend('webgpu');
console.log(`replaced-kernel benchmark on ${active.detail}; ${CALLS} calls each`);
const rows: Array<Record<string, string | number>> = [];
for (const c of CASES) {
  const original = originalWebgpuKernel(c.kernel);
  const replaced = tf.getKernel(c.kernel, 'webgpu');
  if (original === undefined || replaced === undefined || original === replaced) {
    rows.push({ case: c.name, note: `${c.kernel} is not replaced (NASPOISON_WEBGPU_ORIGINAL?)` });
    continue;
  }
  const inputs = c.inputs();
  try {
    const before = await time(original.kernelFunc, c, inputs);
    const after = await time(replaced.kernelFunc, c, inputs);
    assertNoDeviceErrors(c.name);
    rows.push({
      case: c.name,
      tfjsMs: Number(before.ms.toFixed(2)),
      naspoisonMs: Number(after.ms.toFixed(2)),
      speedup: Number((before.ms / after.ms).toFixed(1)),
      relDiff: Number(relativeL2(after.out, before.out).toExponential(2)),
    });
  } catch (error) {
    rows.push({ case: c.name, note: `failed: ${(error as Error).message.split('\n')[0]}` });
  } finally {
    tf.dispose(Object.values(inputs));
  }
  console.log(JSON.stringify(rows[rows.length - 1]));
}
console.table(rows);
if (values.json) writeFileSync(values.json, JSON.stringify(rows, null, 2));
// A case that failed (a device error, an exception) fails the benchmark.
if (rows.some((r) => typeof r.note === 'string' && r.note.startsWith('failed'))) process.exitCode = 1;
