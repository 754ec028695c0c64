/**
 * The memory one training step needs, known before the first step, and a clear error where the
 * backend cannot hold it — instead of tfjs-backend-wasm's `Aborted()` or
 * `RuntimeError: memory access out of bounds` mid-run.
 *
 * Why wasm needs this (measured on tfjs-backend-wasm 4.22, see benchmarks/perf/PROFILE.md):
 * - Its module is 32-bit: the heap grows to at most 65,535 pages of 64 KiB ({@link WASM_HEAP_LIMIT_BYTES}).
 * - tfjs's `BackendWasm.move` does not check `_malloc`'s result. A tensor that no longer fits is
 *   registered at address 0, and its data is then written over the module's static data and stack;
 *   the next `registerTensor` runs on corrupted state ("memory access out of bounds"). An allocation
 *   that fails inside the C++ backend (its tensor registry, XNNPACK's weight packing) calls abort()
 *   ("Aborted()", no message). A size of 4 GiB or more is even truncated to 32 bits by the call.
 * - tfjs keeps every activation saved for the backward pass *and* the gradient of every
 *   intermediate tensor until the whole backward pass ends (tfjs-core `Engine.gradients`), so a
 *   step's peak is at its last kernel and about twice what the activations alone take.
 *
 * Use (trainer, P-DARTS search), once per architecture and input shape, before the first step:
 *
 * ```ts
 * installWasmHeapGuard(); // right after initBackend: a failed wasm allocation then throws a clear Error
 * ensureTrainingStepFits({
 *   key: `pdarts-stage-1:C16:N5`,        // what determines the memory: architecture + sizes
 *   model: supernet,                      // measured as is; its variables are restored afterwards
 *   variables: supernet.params.weights,   // what the step differentiates (default: params.weights)
 *   inputShape: [32, 32, 3], numClasses: 10,
 *   batch: 64, what: 'P-DARTS stage 1 supernet',
 * });
 * ```
 *
 * To make a step fit rather than refuse it: {@link leanVariableGrads} is `tf.variableGrads` at about
 * half the peak (the paper-scale supernet step at batch 64: 4.22 GiB → 2.20 GiB); a trainer that uses
 * it passes `gradients: 'lean'` so that the probe measures what it runs.
 *
 * `ensureTrainingStepFits` measures (on wasm, or where `limitBytes` is given) the peak of one
 * forward + backward pass at two small batches on the real backend, extrapolates linearly to
 * `batch` ({@link measureTrainingStepMemory}, cached per key), and throws a
 * {@link StepMemoryError} naming the memory needed, the limit and what can run it when it does not
 * fit ({@link assertTrainingStepFits}). Where no limit is known (webgpu, tensorflow, cpu) it returns
 * at once without measuring.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs';

/** The most a tfjs-backend-wasm 4.22 heap can grow to: 65,535 wasm pages (its `getHeapMax()`). */
export const WASM_HEAP_LIMIT_BYTES = 65_535 * 65_536;

/**
 * The top of the wasm heap that JS-side tensor allocations leave to the C++ backend (its tensor
 * registry nodes; XNNPACK's packed weights, as large as the biggest filter — dy of the swapped dW
 * conv, 16 MiB per copy at batch 256, 32×32×16). A C++ allocation that fails aborts the process, a
 * JS one is turned into an Error by {@link installWasmHeapGuard}.
 */
export const WASM_HEAP_RESERVE_BYTES = 64 * 2 ** 20;

/**
 * Allocator overhead on top of the tracked peak (dlmalloc chunks, fragmentation, the C++ side).
 * Measured heap ÷ tracked peak on wasm: 1.10 for the NB201 network C=16 N=5 32×32×3 at batch 256
 * (3.68 GiB heap, 3.34 GiB tracked), 1.10–1.11 for the supernet at batch 54 (3.92 GiB heap, 3.54
 * GiB tracked, heap at start included); the evaluation step with eval-mode batch norm failed at
 * 3.95 GiB tracked. 1.12 leaves a little margin on top.
 */
export const HEAP_OVERHEAD_FACTOR = 1.12;

const GIB = 2 ** 30;
const MIB = 2 ** 20;

/** `3.21 GiB` (or MiB below 1 GiB): how the messages print sizes. */
export function formatBytes(bytes: number): string {
  return bytes >= GIB ? `${(bytes / GIB).toFixed(2)} GiB` : `${(bytes / MIB).toFixed(1)} MiB`;
}

// ---------------------------------------------------------------------------------------------
// The wasm heap guard

/** The part of the Emscripten module of tfjs-backend-wasm that the guard wraps. */
interface EmscriptenHeap {
  _malloc(size: number): number;
  _free(pointer: number): void;
  HEAPU8: Uint8Array;
}

/** Live and peak bytes of the JS-side wasm allocations (every tensor, every kernel intermediate). */
export interface WasmHeapGuard {
  /** Bytes allocated since the guard was installed and not yet freed. */
  readonly liveBytes: number;
  /** The most {@link liveBytes} reached since install or the last {@link resetPeak}. */
  readonly peakBytes: number;
  /** Current size of the wasm heap (it only grows). */
  readonly heapBytes: number;
  /** Starts a new peak from the current live bytes. */
  resetPeak(): void;
}

/** A wasm allocation refused because the heap cannot hold it (thrown by the guard's `_malloc`). */
export class WasmHeapExhaustedError extends Error {
  constructor(
    /** Bytes requested. */
    readonly requestedBytes: number,
    /** Bytes the guard saw allocated at that moment. */
    readonly liveBytes: number,
  ) {
    super(
      `wasm heap exhausted: cannot allocate ${formatBytes(requestedBytes)} with ${formatBytes(liveBytes)} in use ` +
        `(a wasm module addresses at most ${formatBytes(WASM_HEAP_LIMIT_BYTES)}; ${formatBytes(WASM_HEAP_RESERVE_BYTES)} of it is kept ` +
        `for the backend's own allocations). tfjs-backend-wasm would have placed the tensor at address 0 and overwritten its ` +
        `own memory. Run it with --backend webgpu or --backend tensorflow, or with a smaller batch or fewer channels.`,
    );
    this.name = 'WasmHeapExhaustedError';
  }
}

class HeapGuard implements WasmHeapGuard {
  liveBytes = 0;
  peakBytes = 0;
  private readonly sizes = new Map<number, number>();

  constructor(private readonly heap: EmscriptenHeap) {
    // Emscripten's `_malloc` export starts as a stub that replaces itself with the raw export on its
    // first call; one call first, so that the function wrapped below is the raw one.
    heap._free(heap._malloc(8));
    const rawMalloc = heap._malloc;
    const rawFree = heap._free;
    const usable = WASM_HEAP_LIMIT_BYTES - WASM_HEAP_RESERVE_BYTES;
    heap._malloc = (size: number): number => {
      // The raw call would truncate a size ≥ 4 GiB to 32 bits and succeed with a small block.
      if (!(size >= 0 && size <= usable)) throw new WasmHeapExhaustedError(size, this.liveBytes);
      const pointer = rawMalloc(size) >>> 0;
      if (pointer === 0 && size > 0) throw new WasmHeapExhaustedError(size, this.liveBytes);
      if (pointer + size > usable) {
        rawFree(pointer);
        throw new WasmHeapExhaustedError(size, this.liveBytes);
      }
      this.sizes.set(pointer, size);
      this.liveBytes += size;
      if (this.liveBytes > this.peakBytes) this.peakBytes = this.liveBytes;
      return pointer;
    };
    heap._free = (pointer: number): void => {
      const key = pointer >>> 0;
      const size = this.sizes.get(key);
      if (size !== undefined) {
        this.sizes.delete(key);
        this.liveBytes -= size;
      }
      rawFree(pointer);
    };
  }

  get heapBytes(): number {
    return this.heap.HEAPU8.length;
  }

  resetPeak(): void {
    this.peakBytes = this.liveBytes;
  }
}

const guards = new WeakMap<object, HeapGuard>();

/**
 * On the wasm backend, wraps the module's `_malloc`/`_free` (once per backend instance; later calls
 * return the same guard): a JS-side allocation that does not fit — or would eat into
 * {@link WASM_HEAP_RESERVE_BYTES} — throws a {@link WasmHeapExhaustedError} before tfjs registers
 * anything, instead of a tensor at address 0; and the live and peak bytes are counted, which is how
 * {@link measureTrainingStepMemory} measures on wasm. Undefined on other backends. Call it right
 * after `initBackend` so that the live count covers every tensor.
 */
export function installWasmHeapGuard(): WasmHeapGuard | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const heap = (tf.backend() as unknown as { wasm: EmscriptenHeap }).wasm;
  let guard = guards.get(heap);
  if (guard === undefined) {
    guard = new HeapGuard(heap);
    guards.set(heap, guard);
  }
  return guard;
}

// ---------------------------------------------------------------------------------------------
// Gradients that free what they no longer need

/** The parts of tfjs-core's engine and tape nodes that {@link leanVariableGrads} drives. */
interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  saved?: tf.Tensor[];
  gradient?: (dys: Array<tf.Tensor | null>) => Record<string, () => tf.Tensor>;
}

interface TapeEngine {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(name: string, f: () => T): T;
}

/** The tape nodes on a path from `xs` to `y`, inputs pruned to those that depend on `xs` (tfjs-core's getFilteredNodesXToY). */
function nodesFromXsToY(tape: readonly TapeNode[], xs: readonly tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of tape) {
    for (const name in node.inputs) {
      if (fromX.has(node.inputs[name]!.id)) {
        for (const o of node.outputs) fromX.add(o.id);
        nodesFromX.add(node.id);
        break;
      }
    }
  }
  const toY = new Set([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i]!;
    if (node.outputs.some((o) => toY.has(o.id))) {
      for (const name in node.inputs) toY.add(node.inputs[name]!.id);
      nodesToY.add(node.id);
    }
  }
  return tape
    .filter((node) => nodesFromX.has(node.id) && nodesToY.has(node.id))
    .map((node) => {
      const inputs: Record<string, tf.Tensor> = {};
      for (const name in node.inputs) if (fromX.has(node.inputs[name]!.id)) inputs[name] = node.inputs[name]!;
      return { ...node, inputs };
    });
}

/**
 * `tf.variableGrads` with tfjs's results (same kernels in the same order: bit-identical gradients)
 * at about half the peak memory. tfjs-core keeps the gradient of every intermediate tensor and every
 * tensor saved for the backward pass until the whole backward pass ends; this frees a tensor's
 * gradient as soon as the node that produced the tensor has run (every consumer has contributed by
 * then) and a node's saved tensors right after its gradient ran, as PyTorch does. Measured on wasm,
 * forward + backward at batch 4, NB201 C=16 N=5 32×32×3: supernet 275.7 → 141.9 MiB, network
 * 56.9 → 29.4 MiB — enough for the paper-scale supernet step (batch 64) to fit the wasm heap.
 *
 * Only tensors created during the backward pass are freed early (what tfjs's 'backward' scope would
 * free at its end); the variables' gradients are returned. Inside a recorded gradient (second
 * order, `gradientDepth > 0`) it is `tf.variableGrads` itself, which must keep the tape.
 */
export function leanVariableGrads(f: () => tf.Scalar, varList: readonly tf.Variable[]): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  const engine = tf.engine() as unknown as TapeEngine;
  if (engine.state.gradientDepth > 0) return tf.variableGrads(f, [...varList]);
  const xs = varList.filter((v) => v.trainable);
  if (xs.length === 0) throw new Error(`leanVariableGrads: none of the ${varList.length} variables is trainable`);
  const y = engine.scopedRun(
    () => engine.startTape(),
    () => engine.endTape(),
    () => engine.tidy('forward', f),
  );
  if (!(y instanceof tf.Tensor) || y.rank !== 0) throw new Error('leanVariableGrads: f must return a scalar tensor');
  const tape = engine.state.activeTape ?? [];
  const nodes = nodesFromXsToY(tape, xs, y);
  const grads = engine.tidy('backward', () => {
    const accumulated = new Map<number, tf.Tensor>();
    // How many entries of `accumulated` hold each tensor: a gradient function may pass a dy through.
    const holders = new Map<tf.Tensor, number>();
    const hold = (t: tf.Tensor) => holders.set(t, (holders.get(t) ?? 0) + 1);
    const seed = tf.onesLike(y);
    // Tensors created from here on belong to this backward pass (ids only grow).
    const firstId = seed.id;
    const release = (t: tf.Tensor) => {
      const n = (holders.get(t) ?? 0) - 1;
      if (n > 0) {
        holders.set(t, n);
        return;
      }
      holders.delete(t);
      if (t.id >= firstId && !t.isDisposed) t.dispose();
    };
    accumulated.set(y.id, seed);
    hold(seed);
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i]!;
      if (node.gradient === undefined) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
      const inputGradients = node.gradient(node.outputs.map((o) => accumulated.get(o.id) ?? null));
      for (const name in node.inputs) {
        const gradient = inputGradients[name];
        if (gradient === undefined) throw new Error(`Cannot backprop through input ${name} of ${node.kernelName}.`);
        const dx = engine.tidy('gradient', gradient);
        const x = node.inputs[name]!;
        const current = accumulated.get(x.id);
        if (current === undefined) {
          accumulated.set(x.id, dx);
          hold(dx);
        } else {
          const sum = tf.add(current, dx);
          accumulated.set(x.id, sum);
          hold(sum);
          release(current);
          // Not held anywhere (unless it is one of this node's dys): free it now.
          if (!holders.has(dx) && dx.id >= firstId && !dx.isDisposed) dx.dispose();
        }
      }
      // Every consumer of this node's outputs ran before it: their gradients are done.
      for (const o of node.outputs) {
        const g = accumulated.get(o.id);
        if (g === undefined) continue;
        accumulated.delete(o.id);
        release(g);
      }
      for (const t of node.saved ?? []) t.dispose();
    }
    const named: tf.NamedTensorMap = {};
    for (const x of xs) {
      const g = accumulated.get(x.id);
      if (g !== undefined) named[x.name] = g;
    }
    return named;
  });
  // The tape (and what its other nodes saved) goes, as in tfjs-core's Engine.gradients.
  for (const node of tape) for (const t of node.saved ?? []) t.dispose();
  engine.state.activeTape = null;
  if (Object.keys(grads).length === 0) throw new Error('leanVariableGrads: no variable is connected to the result of f');
  return { value: y as tf.Scalar, grads };
}

// ---------------------------------------------------------------------------------------------
// Measuring one step

/** What {@link measureTrainingStepMemory} runs: a model, its input geometry and what it trains. */
export interface StepMemoryProbe {
  /**
   * What determines the step's memory besides the batch: architecture (genotype or edge ops),
   * channels, cells. The cache key, with the backend, input shape and probe batches.
   */
  key: string;
  /** The model, run as is in training mode; its weights and state are restored afterwards. */
  model: ProbeModel;
  /** Variables the step differentiates (default `model.params.weights`). */
  variables?: readonly tf.Variable[];
  /** One image: [height, width, channels]. */
  inputShape: readonly [number, number, number];
  numClasses: number;
  /** The two batches measured (default [2, 4]; the extrapolation is linear in the batch). */
  probeBatches?: readonly [number, number];
  /**
   * Copies of the variables the optimizer holds besides the weights (default 2: SGD's momentum
   * buffer and the updated weights before the old ones are freed; Adam: 3).
   */
  optimizerSlots?: number;
  /**
   * The gradient function the training step uses: `tf.variableGrads` (default) or
   * {@link leanVariableGrads} (about half the peak). Measure with the one the trainer runs.
   */
  gradients?: 'tfjs' | 'lean';
}

/**
 * The structural part of a trainable model the probe needs (a `Trainable` or a NB201 `Network`):
 * `state` (batch-norm running statistics) is restored after the probe as the weights are.
 */
export interface ProbeModel {
  readonly params: { readonly weights: readonly tf.Variable[]; readonly state?: readonly tf.Variable[] };
  forward(x: tf.Tensor4D, ctx: { training: boolean }): tf.Tensor2D;
}

/** One measured probe step. */
export interface StepMemorySample {
  batch: number;
  /** Peak bytes of the step above what was live before it. */
  peakBytes: number;
}

/** A step's memory as a linear function of the batch, from two measured probe steps. */
export interface StepMemoryEstimate {
  key: string;
  backend: string;
  /**
   * How the peaks were measured: `wasm-heap` counts every JS-side wasm allocation (tensors and
   * kernel intermediates); `engine-buffers` counts the tfjs engine's distinct data buffers
   * (intermediates inside a backend's kernels are not seen; GPU buffer pools may hold more).
   */
  method: 'wasm-heap' | 'engine-buffers';
  samples: readonly [StepMemorySample, StepMemorySample];
  /** Bytes that do not grow with the batch (intercept of the line through the two samples). */
  fixedBytes: number;
  /** Bytes per image (slope). */
  bytesPerSample: number;
  /** Optimizer state added analytically (`optimizerSlots` × the variables' bytes). */
  optimizerBytes: number;
  /** The step's peak at `batch`, above what is live before it. */
  bytesAt(batch: number): number;
  /** The largest batch whose step fits in `bytes` (0 if none). */
  maxBatchWithin(bytes: number): number;
}

const estimates = new Map<string, StepMemoryEstimate>();

/** Forgets every cached estimate (tests; or after the backend's kernels changed). */
export function clearStepMemoryCache(): void {
  estimates.clear();
}

interface EngineInternals {
  state: { tensorInfo: WeakMap<object, { bytes: number; backend: unknown }> };
  trackTensor(t: tf.Tensor, backend?: unknown): void;
  removeDataId(dataId: object, backend: unknown): void;
}

/**
 * Runs `fn` while counting the engine's distinct data buffers: tfjs's own `numBytes` counts every
 * tensor, so views that share a buffer (reshape, clones saved for the backward pass — about half of
 * a step's `tf.memory().numBytes` on wasm) would be counted again and again.
 */
function peakOfEngineBuffers(fn: () => void): number {
  const engine = tf.engine() as unknown as EngineInternals;
  const trackTensor = engine.trackTensor;
  const removeDataId = engine.removeDataId;
  let live = 0;
  let peak = 0;
  engine.trackTensor = function (this: EngineInternals, t, backend) {
    const fresh = !this.state.tensorInfo.has(t.dataId);
    trackTensor.call(this, t, backend);
    if (fresh) {
      live += this.state.tensorInfo.get(t.dataId)?.bytes ?? 0;
      peak = Math.max(peak, live);
    }
  };
  engine.removeDataId = function (this: EngineInternals, dataId, backend) {
    const info = this.state.tensorInfo.get(dataId);
    removeDataId.call(this, dataId, backend);
    if (info !== undefined && !this.state.tensorInfo.has(dataId)) live -= info.bytes;
  };
  try {
    fn();
  } finally {
    // Back to the prototype's methods (they were not own properties).
    delete (engine as Partial<EngineInternals>).trackTensor;
    delete (engine as Partial<EngineInternals>).removeDataId;
    if (engine.trackTensor !== trackTensor) engine.trackTensor = trackTensor;
    if (engine.removeDataId !== removeDataId) engine.removeDataId = removeDataId;
  }
  return peak;
}

/** One forward + backward pass at `batch` in training mode; everything it creates is disposed. */
function probeStep(probe: StepMemoryProbe, variables: tf.Variable[], batch: number): void {
  const [h, w, c] = probe.inputShape;
  tf.tidy(() => {
    // The batch itself is part of a step's memory (the trainer gathers it just before).
    const x = tf.randomNormal([batch, h, w, c], 0, 1, 'float32', 1) as tf.Tensor4D;
    const classes = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % probe.numClasses), 'int32');
    const labels = tf.oneHot(classes, probe.numClasses).cast('float32') as tf.Tensor2D;
    const loss = () => tf.losses.softmaxCrossEntropy(labels, probe.model.forward(x, { training: true })) as tf.Scalar;
    const { value, grads } = probe.gradients === 'lean' ? leanVariableGrads(loss, variables) : tf.variableGrads(loss, variables);
    tf.dispose([value, ...Object.values(grads)]);
  });
}

/**
 * The peak bytes of one forward + backward pass of `probe.model` at `batch` on the active backend,
 * above what was live before it (wasm: every JS-side heap allocation; elsewhere the engine's
 * distinct buffers). The model's weights and `state` variables are restored afterwards, so a probe
 * changes no batch-norm statistics; other side effects of a training-mode forward pass (e.g. the
 * supernet's skip-dropout seed counter when its rate is above 0) are not undone — probe before
 * setting a dropout rate.
 */
export function measureTrainingStepPeak(probe: StepMemoryProbe, batch: number): number {
  const variables = [...(probe.variables ?? probe.model.params.weights)];
  const kept = [...new Set([...probe.model.params.weights, ...(probe.model.params.state ?? []), ...variables])];
  // Copies (not clones: a clone may share the buffer that a host-side update writes in place).
  const snapshot = kept.map((v) => tf.tidy(() => tf.add(v, tf.zerosLike(v))));
  try {
    const guard = installWasmHeapGuard();
    if (guard !== undefined) {
      const before = guard.liveBytes;
      guard.resetPeak();
      probeStep(probe, variables, batch);
      return guard.peakBytes - before;
    }
    return peakOfEngineBuffers(() => probeStep(probe, variables, batch));
  } finally {
    kept.forEach((v, i) => v.assign(snapshot[i]!));
    tf.dispose(snapshot);
  }
}

/**
 * Measures one training step's peak at two small batches on the active backend and extrapolates it
 * linearly in the batch (cached per backend, `probe.key`, input shape and probe batches). Measured
 * accuracy on wasm: from batches 2 and 4 the NB201 network C=16 N=5 32×32×3 was estimated at
 * 3.46 GiB for batch 256 against 3.34 GiB measured (+4 %), and 0.437 against 0.423 GiB at batch 32;
 * harness/engine/memory-budget.test.ts checks a small network within 10 %.
 */
export function measureTrainingStepMemory(probe: StepMemoryProbe): StepMemoryEstimate {
  const backend = tf.getBackend();
  const [b1, b2] = probe.probeBatches ?? [2, 4];
  if (!(Number.isInteger(b1) && Number.isInteger(b2) && b1 >= 1 && b2 > b1)) {
    throw new Error(`measureTrainingStepMemory: probe batches must be integers 1 ≤ b1 < b2, got [${b1}, ${b2}]`);
  }
  const cacheKey = [backend, probe.key, probe.inputShape.join('x'), probe.numClasses, b1, b2, probe.gradients ?? 'tfjs'].join('|');
  const cached = estimates.get(cacheKey);
  if (cached !== undefined) return cached;
  const p1 = measureTrainingStepPeak(probe, b1);
  const p2 = measureTrainingStepPeak(probe, b2);
  // A negative slope can only be noise (a buffer freed late); then the larger sample bounds it.
  const bytesPerSample = Math.max(0, (p2 - p1) / (b2 - b1));
  const fixedBytes = Math.max(0, p2 - bytesPerSample * b2);
  const variables = probe.variables ?? probe.model.params.weights;
  const optimizerBytes = (probe.optimizerSlots ?? 2) * variables.reduce((n, v) => n + v.size * 4, 0);
  const estimate: StepMemoryEstimate = {
    key: probe.key,
    backend,
    method: backend === 'wasm' ? 'wasm-heap' : 'engine-buffers',
    samples: [
      { batch: b1, peakBytes: p1 },
      { batch: b2, peakBytes: p2 },
    ],
    fixedBytes,
    bytesPerSample,
    optimizerBytes,
    bytesAt: (batch) => fixedBytes + optimizerBytes + bytesPerSample * batch,
    maxBatchWithin: (bytes) => (bytesPerSample > 0 ? Math.max(0, Math.floor((bytes - fixedBytes - optimizerBytes) / bytesPerSample)) : Number.MAX_SAFE_INTEGER),
  };
  estimates.set(cacheKey, estimate);
  return estimate;
}

// ---------------------------------------------------------------------------------------------
// The check

/** What {@link assertTrainingStepFits} checks. */
export interface StepFitCheck {
  /** The step's own peak bytes (above what is live before it), e.g. `estimate.bytesAt(batch)`. */
  neededBytes: number;
  /** Backend name (default: the active one). */
  backend?: string;
  /** The batch the step runs at (for the message). */
  batch?: number;
  /** Where `neededBytes` came from: the message then says how it was measured and the largest batch that fits. */
  estimate?: StepMemoryEstimate;
  /**
   * Bytes already in use besides the step (data set tensors, weights). Default: the wasm guard's
   * live bytes or the engine's `numBytes`, whichever is larger (the latter counts shared views
   * more than once, so it errs on the safe side).
   */
  liveBytes?: number;
  /** The memory limit. Default: {@link WASM_HEAP_LIMIT_BYTES} on wasm; none known elsewhere. */
  limitBytes?: number;
  /** What is being trained, for the message (e.g. 'P-DARTS stage 1 supernet'). */
  what?: string;
}

/** The outcome of a fit check that passed. */
export interface StepFit {
  backend: string;
  /** NaN where nothing was measured ({@link ensureTrainingStepFits} without a known limit). */
  neededBytes: number;
  liveBytes: number;
  /** live + needed × {@link HEAP_OVERHEAD_FACTOR} (+ {@link WASM_HEAP_RESERVE_BYTES} on wasm). */
  requiredBytes: number;
  /** Undefined where no limit is known: nothing was checked. */
  limitBytes: number | undefined;
  /** The largest batch that fits, when an estimate was given and a limit is known. */
  maxBatch?: number;
}

/** A training step that would not fit in the backend's memory, thrown before it runs. */
export class StepMemoryError extends Error {
  constructor(
    message: string,
    /** The numbers behind the message. */
    readonly fit: StepFit,
  ) {
    super(message);
    this.name = 'StepMemoryError';
  }
}

function defaultLiveBytes(): number {
  const guard = installWasmHeapGuard();
  return Math.max(guard?.liveBytes ?? 0, tf.memory().numBytes);
}

/**
 * Throws a {@link StepMemoryError} when a training step needing `neededBytes` cannot fit in the
 * backend's memory; returns the numbers when it fits (or when no limit is known for the backend:
 * `limitBytes` undefined). On wasm the message names the memory the step needs (GiB), the heap
 * limit, and what can run it: `--backend webgpu` or `--backend tensorflow`, or the largest batch
 * that fits, or fewer channels.
 */
export function assertTrainingStepFits(check: StepFitCheck): StepFit {
  const backend = check.backend ?? tf.getBackend();
  const onWasm = backend === 'wasm';
  const limitBytes = check.limitBytes ?? (onWasm ? WASM_HEAP_LIMIT_BYTES : undefined);
  const liveBytes = check.liveBytes ?? defaultLiveBytes();
  const reserve = onWasm ? WASM_HEAP_RESERVE_BYTES : 0;
  const requiredBytes = liveBytes + check.neededBytes * HEAP_OVERHEAD_FACTOR + reserve;
  const fit: StepFit = { backend, neededBytes: check.neededBytes, liveBytes, requiredBytes, limitBytes };
  if (limitBytes === undefined) return fit;
  const { estimate } = check;
  if (estimate !== undefined) fit.maxBatch = estimate.maxBatchWithin((limitBytes - liveBytes - reserve) / HEAP_OVERHEAD_FACTOR);
  if (requiredBytes <= limitBytes) return fit;

  const what = check.what ?? (estimate !== undefined ? estimate.key : 'the model');
  const at = check.batch !== undefined ? ` at batch ${check.batch}` : '';
  const how =
    estimate !== undefined
      ? ` (measured ${estimate.samples.map((s) => `${formatBytes(s.peakBytes)} at batch ${s.batch}`).join(' and ')}, extrapolated linearly)`
      : '';
  const limitText = onWasm
    ? `the ${formatBytes(limitBytes)} a wasm module can address (tfjs-backend-wasm is 32-bit; the step would end in "Aborted()" or "memory access out of bounds")`
    : `the ${formatBytes(limitBytes)} limit given`;
  const smaller =
    fit.maxBatch !== undefined && fit.maxBatch > 0 && check.batch !== undefined && fit.maxBatch < check.batch
      ? `a batch of at most ${fit.maxBatch}`
      : 'a smaller batch';
  const instead = onWasm
    ? `Run it with --backend webgpu or --backend tensorflow (GPU or native memory), or with ${smaller} or fewer channels.`
    : `Use ${smaller} or fewer channels.`;
  throw new StepMemoryError(
    `one training step of ${what}${at} needs about ${formatBytes(check.neededBytes)} on ${backend}${how}; ` +
      `with the allocator's overhead (×${HEAP_OVERHEAD_FACTOR}), ${formatBytes(liveBytes)} already in use` +
      `${reserve > 0 ? ` and ${formatBytes(reserve)} kept for the backend` : ''} that is ${formatBytes(requiredBytes)}, ` +
      `more than ${limitText}. ${instead}`,
    fit,
  );
}

/** {@link StepMemoryProbe} plus the batch to check. */
export interface StepFitRequest extends StepMemoryProbe {
  batch: number;
  /** For the message (default `key`). */
  what?: string;
  /** A limit for backends without a known one (e.g. the GPU's memory); wasm's is built in. */
  limitBytes?: number;
}

/**
 * The one call for a trainer or a search, before its first step: where a limit is known (wasm, or
 * `limitBytes` given) measures the step ({@link measureTrainingStepMemory}, cached per key) and
 * throws a {@link StepMemoryError} when it cannot fit ({@link assertTrainingStepFits}); elsewhere
 * returns at once without measuring (`limitBytes` undefined in the result).
 */
export function ensureTrainingStepFits(request: StepFitRequest): StepFit {
  const backend = tf.getBackend();
  if (request.limitBytes === undefined && backend !== 'wasm') {
    return { backend, neededBytes: NaN, liveBytes: tf.memory().numBytes, requiredBytes: NaN, limitBytes: undefined };
  }
  installWasmHeapGuard();
  const estimate = measureTrainingStepMemory(request);
  return assertTrainingStepFits({
    backend,
    neededBytes: estimate.bytesAt(request.batch),
    batch: request.batch,
    estimate,
    ...(request.limitBytes !== undefined ? { limitBytes: request.limitBytes } : {}),
    what: request.what ?? request.key,
  });
}
