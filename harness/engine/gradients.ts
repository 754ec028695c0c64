/**
 * Gradient registrations that make second-order derivatives correct in TF.js 4.22 (needed by
 * gradient canceling and GraSP). tfjs's gradients for Exp/Tanh/Sigmoid/Softmax read the op's saved
 * *output*, which is not connected to the input on the tape, so a derivative of such a gradient
 * silently misses a term. These versions recompute from the input. Conv2DBackpropFilter and
 * AvgPoolGrad get the gradients tfjs lacks (both are linear in their non-shape inputs), and Equal
 * the zero gradient that second order through tf.max / tf.logSumExp needs. Relu keeps tfjs's formula
 * but runs as one kernel on wasm when nothing records the backward pass.
 */
import * as tf from '@tensorflow/tfjs';
import { RELU_GRAD } from './kernels/relu-grad.js';

const fixes: tf.GradConfig[] = [
  {
    // tfjs: dy·cast(step(x)), three launches. On wasm, when this backward pass is not itself
    // recorded (no second order wanted), the same values from one fused kernel (kernels/relu-grad.ts).
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const x = saved[0]!;
      const d = dy as tf.Tensor;
      return {
        x: () =>
          tf.getBackend() === 'wasm' && tf.engine().state.gradientDepth === 0 && x.dtype === 'float32' && d.dtype === 'float32'
            ? (tf.engine().runKernel(RELU_GRAD, { dy: d, x }) as tf.Tensor)
            : tf.mul(d, tf.cast(tf.step(x), 'float32')),
      };
    },
  },
  {
    kernelName: 'Exp',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => tf.mul(dy as tf.Tensor, tf.exp(saved[0]!)) }),
  },
  {
    kernelName: 'Tanh',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({
      x: () => {
        const t = tf.tanh(saved[0]!);
        return tf.mul(dy as tf.Tensor, tf.sub(1, tf.mul(t, t)));
      },
    }),
  },
  {
    kernelName: 'Sigmoid',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({
      x: () => {
        const s = tf.sigmoid(saved[0]!);
        return tf.mul(dy as tf.Tensor, tf.mul(s, tf.sub(1, s)));
      },
    }),
  },
  {
    kernelName: 'Softmax',
    inputsToSave: ['logits'],
    gradFunc: (dy, saved, attrs) => ({
      logits: () => {
        const dim = (attrs as { dim: number }).dim;
        const y = tf.softmax(saved[0]!, dim);
        const d = dy as tf.Tensor;
        return tf.mul(tf.sub(d, tf.sum(tf.mul(d, y), dim, true)), y);
      },
    }),
  },
  {
    kernelName: 'Conv2DBackpropFilter',
    inputsToSave: ['x', 'dy'],
    gradFunc: (g, saved, attrs) => {
      const [x, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
      const { strides, pad, dimRoundingMode } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      const G = g as tf.Tensor4D;
      return {
        x: () => tf.conv2dTranspose(dy, G, x.shape, strides, pad as 'same', dimRoundingMode),
        dy: () => tf.conv2d(x, G, strides, pad as 'same', 'NHWC', 1, dimRoundingMode),
      };
    },
  },
  {
    // Comparisons are piecewise constant: zero gradient. tfjs registers none for Equal, which the
    // gradient of tf.max (hence of tf.logSumExp) records, so a second-order derivative through
    // logSumExp threw "gradient function not found for Equal".
    kernelName: 'Equal',
    inputsToSave: ['a', 'b'],
    gradFunc: (_dy, saved) => ({ a: () => tf.zerosLike(saved[0]!), b: () => tf.zerosLike(saved[1]!) }),
  },
  {
    // AvgPoolGrad is linear in dy (dx = Aᵀ·dy for the pool's linear map A) and reads only the shape
    // of `input`; tfjs registers no gradient for it, so a second-order derivative through any
    // average pool threw "gradient function not found". With the count-excluding AvgPoolGrad
    // kernels (kernels/avg-pool-grad.ts) the adjoint of Aᵀ is the forward pool A itself.
    kernelName: 'AvgPoolGrad',
    gradFunc: (g, _saved, attrs) => {
      const { filterSize, strides, pad } = attrs as unknown as tf.AvgPoolGradAttrs;
      const G = g as tf.Tensor4D;
      return {
        dy: () => tf.avgPool(G, filterSize, strides, pad as 'same'),
        input: () => tf.zerosLike(G),
      };
    },
  },
];

let registered = false;

/** Installs the input-based gradients. Idempotent. */
export function registerGradientFixes(): void {
  if (registered) return;
  for (const config of fixes) tf.registerGradient(config);
  registered = true;
}
