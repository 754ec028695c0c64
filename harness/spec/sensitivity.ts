/**
 * Metric sensitivity (the study's Table 2) in a spec file:
 * `metricSensitivity({ attack: 'random-label-flip', budget: 0.5 })` declares, at collection time
 * (bad attack names, budgets, metric names or panel sizes fail there, naming them), a table that a
 * `beforeAll` computes: every training-free metric of a fixed, seeded panel of non-degenerate
 * NB201 cells at initialisation (the tier's evaluation network size, a seeded init per cell), on
 * batches of training images with their clean labels and on the *same* images taken from the
 * poisoned training set (the attack's poison from `obtainPoison` at a fixed seed, applied with
 * `applyPoison`). Per cell it gives the relative change (poisoned − clean) / |clean| of the metric's
 * mean over the batches; per metric n, the mean with a 95% t CI, max |change| and the cells that
 * were bit-identical. The table is stored for the report (`run-sensitivity.v1`, keyed by run id,
 * spec file and label), written from the spec process as matrices are.
 *
 * Assertions: the raw values per cell (`s.metric('synflow').cells`) for exact checks with plain
 * `expect(…).toBe(…)` (see {@link float64Bits}), and the matcher
 * `expect(s.metric('snip')).toChangeByLessThan(0.1)`, which passes only when the 95% CI of the mean
 * relative change lies inside (−band, +band), fails when it lies entirely outside, and is otherwise
 * *underpowered at this tier* (a skip with its note, or a failure under `--strict`) — see
 * {@link bandDecision}.
 */
import { createHash } from 'node:crypto';
import { relative } from 'node:path';
import { TestRunner, beforeAll, expect } from 'vitest';
import { applyPoison, attacks, checkBudget } from '../attacks/index.js';
import type { DatasetPair, ImageDataset } from '../data/types.js';
import { Rng } from '../engine/rng.js';
import type { TrainingFreeMetric } from '../proxies/types.js';
import { formatBudget } from '../report/interpret.js';
import { RUN_SENSITIVITY_NAMESPACE, SENSITIVITY_CONFIDENCE, sensitivitySummary, storeMetricValue, type SensitivityEntry, type SensitivityRawValues } from '../report/sensitivity.js';
import type { SensitivityMetricResult, SensitivityTable } from '../report/types.js';
import { prepareRun, type PreparedRun } from '../run/context.js';
import { obtainPoison } from '../run/poison-cache.js';
import type { Tier } from '../run/tiers.js';
import { genotypeToString, type Nb201Genotype } from '../space/genotype.js';
import { buildNetwork } from '../space/network.js';
import { sampleDistinctGenotypes } from '../space/sampling.js';
import { tQuantile } from '../stats/index.js';
import type { EnvironmentFingerprint, TrialStore } from '../store/index.js';
import { gatherBatch } from '../train/batches.js';
import { canonicalJson } from '../util/canonical-json.js';
import { MAX_TRIALS_NEEDED, UNDERPOWERED_NOTE, type MatcherVerdict, type Verdict } from '../verdicts/index.js';
import { underpoweredModeInForce } from './matchers.js';
import { TRAINING_FREE_METRIC_NAMES, trainingFreeMetric } from './sensitivity-metrics.js';

export { TRAINING_FREE_METRIC_NAMES } from './sensitivity-metrics.js';

/** Seed of the poison, the panel, the batches and the initialisations unless a spec gives one. */
export const SENSITIVITY_SEED = 240_506_073; // the study's arXiv number, 2405.06073

/**
 * Panel size unless a spec gives one: 8 cells × 2 batches. At the smoke tier's network (C = 8,
 * one cell per stage) all eight metrics of the panel take a few minutes on two CPU cores; the
 * cells are the unit of the CI (batches of one cell are averaged: they share its weights).
 */
export const DEFAULT_SENSITIVITY_CELLS = 8;
export const DEFAULT_SENSITIVITY_BATCHES = 2;

/**
 * Largest default batch: the tier's evaluation batch size, capped at 64 — the NTK and jacov need
 * one backward pass per image, and 64 is the batch the zero-cost-proxy literature scores with.
 */
export const MAX_DEFAULT_SENSITIVITY_BATCH = 64;

/** What a sensitivity table needs of a run: a prepared run (no random baseline is trained). */
export type SensitivityContext = Pick<PreparedRun, 'runId' | 'tier' | 'data' | 'datasetHash' | 'backend' | 'store' | 'environment' | 'codeVersion' | 'log'>;

/** Options of {@link metricSensitivity}. */
export interface MetricSensitivityOptions {
  /** Attack name (registry). */
  attack: string;
  /** Poisoned fraction p, 0 < p < 1. */
  budget: number;
  /** Metrics to compute (default: all eight, in {@link TRAINING_FREE_METRIC_NAMES} order). */
  metrics?: readonly string[];
  /** Panel cells, at least 2 (default {@link DEFAULT_SENSITIVITY_CELLS}). */
  cells?: number;
  /** Batches per cell, at least 1 (default {@link DEFAULT_SENSITIVITY_BATCHES}). */
  batches?: number;
  /** Images per batch, at least 2 (default: the tier's evaluation batch size, at most {@link MAX_DEFAULT_SENSITIVITY_BATCH}). */
  batchSize?: number;
  /** Seed (default {@link SENSITIVITY_SEED}). */
  seed?: number;
  /** Run context (default: the process's prepared run, from the environment the CLI sets). */
  context?: () => Promise<SensitivityContext>;
}

/** The declaration, checked. */
export interface ValidSensitivitySpec {
  attack: string;
  budget: number;
  metrics: readonly TrainingFreeMetric[];
  cells: number;
  batches: number;
  batchSize: number | undefined;
  seed: number;
  label: string;
}

function positiveInteger(value: unknown, least: number, what: string, label: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < least) {
    throw new RangeError(`${label}: ${what} must be an integer ≥ ${least}, got ${JSON.stringify(value) ?? String(value)}`);
  }
  return value;
}

/**
 * Checks a declaration, naming what is wrong: an unknown attack or metric (with the known ones), a
 * budget outside (0, 1), a panel of fewer than 2 cells (no CI), fewer than 1 batch, a batch of
 * fewer than 2 images (batch statistics need 2), a non-integer seed.
 */
export function validateSensitivitySpec(options: Omit<MetricSensitivityOptions, 'context'>): ValidSensitivitySpec {
  const attack = attacks.get(options.attack).name;
  const budget = checkBudget(options.budget, attack);
  const label = `${attack} at ${formatBudget(budget)}`;
  const names = options.metrics ?? TRAINING_FREE_METRIC_NAMES;
  if (!Array.isArray(names) || names.length === 0) throw new RangeError(`metric sensitivity (${label}): metrics must be a non-empty list of metric names`);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) throw new RangeError(`metric sensitivity (${label}): metric "${duplicate}" is listed twice`);
  const metrics = names.map((n) => trainingFreeMetric(n, `metric sensitivity (${label})`));
  const where = `metric sensitivity (${label})`;
  return {
    attack,
    budget,
    metrics,
    cells: positiveInteger(options.cells ?? DEFAULT_SENSITIVITY_CELLS, 2, 'cells', where),
    batches: positiveInteger(options.batches ?? DEFAULT_SENSITIVITY_BATCHES, 1, 'batches', where),
    batchSize: options.batchSize === undefined ? undefined : positiveInteger(options.batchSize, 2, 'batchSize', where),
    seed: positiveInteger(options.seed ?? SENSITIVITY_SEED, 0, 'seed', where),
    label,
  };
}

/**
 * The panel: `n` non-degenerate NB201 genotypes drawn with `seed`, pairwise non-isomorphic (a
 * duplicate cell would count one architecture twice in the CI).
 */
export function sensitivityPanel(n: number, seed: number): Nb201Genotype[] {
  return sampleDistinctGenotypes(n, new Rng(seed).child('sensitivity-panel'));
}

/** The images of each batch: `batchSize` training-set indices per batch, drawn without replacement with `seed`. */
export function sensitivityBatches(trainSize: number, batches: number, batchSize: number, seed: number): Int32Array[] {
  if (batchSize > trainSize) throw new RangeError(`metric sensitivity: a batch of ${batchSize} images does not fit in a training set of ${trainSize}`);
  return Array.from({ length: batches }, (_, b) => new Rng(seed).child('sensitivity-batch', b).sampleWithoutReplacement(trainSize, batchSize));
}

/** One metric on one panel cell: its value on every batch, clean and poisoned. */
export interface SensitivityCellValues {
  readonly genotype: string;
  readonly clean: readonly number[];
  readonly poisoned: readonly number[];
}

/** The float64 bits of `values`, as hex: equal exactly when every value is the same number, bit for bit (NaN payloads and −0 included). */
export function float64Bits(values: readonly number[]): string {
  const bytes = new Uint8Array(Float64Array.from(values).buffer);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A cell's relative change: 0 when bit-identical, else (P̄ − C̄)/|C̄| of the batch means, or null where undefined. */
export function relativeChange(cell: Pick<SensitivityCellValues, 'clean' | 'poisoned'>): { change: number | null; bitIdentical: boolean } {
  if (float64Bits(cell.clean) === float64Bits(cell.poisoned)) return { change: 0, bitIdentical: true };
  const mean = (xs: readonly number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
  const c = mean(cell.clean);
  const p = mean(cell.poisoned);
  if (!Number.isFinite(c) || !Number.isFinite(p) || c === 0) return { change: null, bitIdentical: false };
  return { change: (p - c) / Math.abs(c), bitIdentical: false };
}

/** Everything {@link computeSensitivity} needs besides the metrics. */
export interface SensitivityInputs {
  /** The clean training set and the poisoned one (same size, same order). */
  clean: ImageDataset;
  poisoned: ImageDataset;
  /** The tier's evaluation network size. */
  network: Tier['evaluation']['network'];
  cells: number;
  batches: number;
  batchSize: number;
  seed: number;
  log?: (message: string) => void;
}

/** A computed table before it is labelled: per metric its summary row and its raw values. */
export interface SensitivityComputation {
  panel: string[];
  rows: SensitivityMetricResult[];
  values: Map<string, SensitivityCellValues[]>;
}

/**
 * Computes every metric on every panel cell, clean and poisoned. Each arm gets its own network
 * built with the cell's seed (the same weights), so the two arms differ only in the data: nothing a
 * metric leaves behind in one arm can reach the other.
 */
export async function computeSensitivity(metrics: readonly TrainingFreeMetric[], inputs: SensitivityInputs): Promise<SensitivityComputation> {
  const { clean, poisoned, network, cells, batches, batchSize, seed } = inputs;
  if (clean.n !== poisoned.n || clean.numClasses !== poisoned.numClasses) throw new Error('metric sensitivity: the poisoned training set must have the clean one\'s size and classes');
  const panel = sensitivityPanel(cells, seed);
  const indices = sensitivityBatches(clean.n, batches, batchSize, seed);
  const config = { channels: network.channels, cellsPerStage: network.cellsPerStage, inputChannels: clean.channels, numClasses: clean.numClasses };
  const values = new Map<string, SensitivityCellValues[]>(metrics.map((m) => [m.name, []]));
  const started = performance.now();
  // Time per metric, for the progress lines: which metric a tier's panel size is paying for.
  const seconds = new Map<string, number>();
  const failed = new Map<string, string>();
  for (const [i, genotype] of panel.entries()) {
    const arms: Record<'clean' | 'poisoned', Map<string, number[]>> = { clean: new Map(), poisoned: new Map() };
    for (const [arm, data] of [['clean', clean], ['poisoned', poisoned]] as const) {
      const net = buildNetwork(genotype, config, new Rng(seed).child('sensitivity-init', i));
      try {
        for (const batchIndices of indices) {
          const gathered = gatherBatch(data, batchIndices, 0, batchIndices.length);
          gathered.y.dispose(); // the metrics take integer labels
          try {
            for (const metric of metrics) {
              if (failed.has(metric.name)) continue;
              const t0 = performance.now();
              let value: number;
              try {
                value = await metric.compute(net, { x: gathered.x, labels: gathered.labels, numClasses: data.numClasses });
              } catch (error) {
                // One metric that cannot be computed on a cell is that metric's error, not the table's.
                const message = `${(error as Error).message.split('\n')[0]} (on cell ${i + 1}, ${genotypeToString(genotype)}, ${arm} labels)`;
                failed.set(metric.name, message);
                inputs.log?.(`metric sensitivity: ${metric.name} failed: ${message}; the other metrics go on`);
                continue;
              }
              seconds.set(metric.name, (seconds.get(metric.name) ?? 0) + (performance.now() - t0) / 1000);
              const list = arms[arm].get(metric.name) ?? [];
              list.push(value);
              arms[arm].set(metric.name, list);
            }
          } finally {
            gathered.x.dispose();
          }
        }
      } finally {
        net.dispose();
      }
    }
    for (const metric of metrics) {
      if (failed.has(metric.name)) continue;
      values.get(metric.name)!.push({ genotype: genotypeToString(genotype), clean: arms.clean.get(metric.name)!, poisoned: arms.poisoned.get(metric.name)! });
    }
    const perMetric = [...seconds.entries()].map(([name, s]) => `${name} ${s.toFixed(0)}s`).join(', ');
    inputs.log?.(`metric sensitivity: cell ${i + 1}/${cells} · ${((performance.now() - started) / 1000).toFixed(0)}s (${perMetric})`);
  }
  return { panel: panel.map(genotypeToString), ...summariseSensitivity(metrics, panel.length, values, failed) };
}

/** The table's rows from the measured values: per metric its per-cell changes and their summary, or its error. */
function summariseSensitivity(
  metrics: readonly TrainingFreeMetric[],
  cells: number,
  values: Map<string, SensitivityCellValues[]>,
  failed: ReadonlyMap<string, string>,
): { rows: SensitivityMetricResult[]; values: Map<string, SensitivityCellValues[]> } {
  const rows = metrics.map((metric): SensitivityMetricResult => {
    const error = failed.get(metric.name);
    if (error !== undefined) {
      values.set(metric.name, []);
      const changes = Array.from({ length: cells }, () => null);
      return { metric: metric.name, usesLabels: metric.usesLabels, changes, ...sensitivitySummary(changes, SENSITIVITY_CONFIDENCE), bitIdentical: 0, error };
    }
    const perCell = values.get(metric.name)!.map(relativeChange);
    const changes = perCell.map((c) => c.change);
    return { metric: metric.name, usesLabels: metric.usesLabels, changes, ...sensitivitySummary(changes, SENSITIVITY_CONFIDENCE), bitIdentical: perCell.filter((c) => c.bitIdentical).length };
  });
  return { rows, values };
}

/** Cache namespace of measured metric values (bump when the meaning of a stored value changes). */
export const SENSITIVITY_VALUES_NAMESPACE = 'metric-sensitivity-values.v1';

/** The values as stored: each cell's clean and poisoned values as their float64 bits, so a read-back value is the same number bit for bit. */
interface StoredSensitivityValues {
  panel: string[];
  values: Array<[string, Array<{ genotype: string; clean: string; poisoned: string }>]>;
}

function fromFloat64Bits(hex: string): number[] {
  const bytes = Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
  return Array.from(new Float64Array(bytes.buffer));
}

/**
 * {@link computeSensitivity}, read from the store when the same table was measured before: the key
 * holds everything that determines the values (the clean and poisoned data, the metrics, the network
 * size, the panel and batches, the backend). A table with a failed metric is not stored, so the
 * failure is retried.
 */
export async function cachedSensitivity(
  store: TrialStore,
  metrics: readonly TrainingFreeMetric[],
  inputs: SensitivityInputs & { datasetHash: string; poisonHash: string; backend: string },
): Promise<SensitivityComputation & { cached: boolean }> {
  const { clean, log, datasetHash, poisonHash, backend, network, cells, batches, batchSize, seed } = inputs;
  const key = createHash('sha256')
    .update(canonicalJson({ datasetHash, poisonHash, metrics: metrics.map((m) => m.name), network, inputShape: [clean.height, clean.width, clean.channels], cells, batches, batchSize, seed, backend }))
    .digest('hex');
  const stored = store.getCached(SENSITIVITY_VALUES_NAMESPACE, key);
  if (stored !== undefined) {
    const parsed = JSON.parse(stored) as StoredSensitivityValues;
    const values = new Map(parsed.values.map(([name, list]) => [name, list.map((c) => ({ genotype: c.genotype, clean: fromFloat64Bits(c.clean), poisoned: fromFloat64Bits(c.poisoned) }))]));
    log?.(`metric sensitivity: ${metrics.length} metrics × ${cells} cells read from the store`);
    return { panel: parsed.panel, ...summariseSensitivity(metrics, parsed.panel.length, values, new Map()), cached: true };
  }
  const computed = await computeSensitivity(metrics, inputs);
  if (computed.rows.every((r) => r.error === undefined)) {
    const value: StoredSensitivityValues = {
      panel: computed.panel,
      values: [...computed.values].map(([name, list]) => [name, list.map((c) => ({ genotype: c.genotype, clean: float64Bits(c.clean), poisoned: float64Bits(c.poisoned) }))]),
    };
    store.putCached(SENSITIVITY_VALUES_NAMESPACE, key, JSON.stringify(value), { datasetHash, poisonHash, backend });
  }
  return { ...computed, cached: false };
}

/** How a "changes by less than ±band" claim ends on a metric's CI. */
export type BandOutcome = 'inside' | 'outside' | 'straddles' | 'insufficient';

/**
 * The decision rule: `inside` (pass) when the CI of the mean relative change lies inside the open
 * band (−band, +band); `outside` (fail) when it lies entirely outside it (≤ −band or ≥ +band);
 * `straddles` (underpowered) otherwise; `insufficient` without a CI (fewer than 2 cells with a
 * defined change): a broken table, not an underpowered one.
 */
export function bandDecision(ci: { ciLow: number | null; ciHigh: number | null }, band: number): BandOutcome {
  if (!(Number.isFinite(band) && band > 0)) throw new RangeError(`band must be a number > 0, got ${band}`);
  if (ci.ciLow === null || ci.ciHigh === null) return 'insufficient';
  if (ci.ciLow > -band && ci.ciHigh < band) return 'inside';
  if (ci.ciHigh <= -band || ci.ciLow >= band) return 'outside';
  return 'straddles';
}

/**
 * Panel cells at which the CI would decide a straddling claim, if the mean and sd stayed as they
 * are: the least n whose CI half-width t·sd/√n is below the mean's distance to the band's edge.
 * Null when that distance is 0, or more than {@link MAX_TRIALS_NEEDED} cells would be needed.
 */
export function cellsToDecide(mean: number, sd: number, band: number, confidence = SENSITIVITY_CONFIDENCE): number | null {
  const distance = Math.abs(band - Math.abs(mean));
  if (distance === 0) return null;
  if (sd === 0) return 2;
  for (let n = 2; n <= MAX_TRIALS_NEEDED; n++) {
    if (tQuantile(1 - (1 - confidence) / 2, n - 1) * (sd / Math.sqrt(n)) < distance) return n;
  }
  return null;
}

/** One metric of a declared table: what `expect(…)` receives. Throws before the table is computed. */
export class SensitivityMetric {
  constructor(
    readonly sensitivity: MetricSensitivity,
    readonly name: string,
  ) {}

  /** The metric's row of the table; throws with the metric's error when it could not be computed. */
  get row(): SensitivityMetricResult {
    const row = this.sensitivity.table().metrics.find((m) => m.metric === this.name);
    if (!row) throw new Error(`${this.sensitivity.spec.label}: metric "${this.name}" is not in this table`);
    if (row.error !== undefined) throw new Error(`${this.sensitivity.spec.label}: ${this.name} could not be computed: ${row.error}`);
    return row;
  }

  /** Whether the metric reads labels. */
  get usesLabels(): boolean {
    return this.row.usesLabels;
  }

  /** Its values on every panel cell, per batch, clean and poisoned (throws when it could not be computed). */
  get cells(): readonly SensitivityCellValues[] {
    void this.row;
    return this.sensitivity.values(this.name);
  }

  /** `relative change of snip under random-label-flip at 50%`. */
  get label(): string {
    return `relative change of ${this.name} under ${this.sensitivity.spec.label}`;
  }
}

/** A metric-sensitivity table declared in a spec file. */
export class MetricSensitivity {
  readonly spec: ValidSensitivitySpec;
  private computed: { table: SensitivityTable; values: Map<string, SensitivityCellValues[]> } | undefined;

  constructor(options: Omit<MetricSensitivityOptions, 'context'>, readonly file: string) {
    this.spec = validateSensitivitySpec(options);
  }

  /** One metric of the table; throws naming the declared ones for another name. */
  metric(name: string): SensitivityMetric {
    if (!this.spec.metrics.some((m) => m.name === name)) {
      throw new Error(`${this.spec.label}: metric "${name}" is not in this table (declared: ${this.spec.metrics.map((m) => m.name).join(', ')})`);
    }
    return new SensitivityMetric(this, name);
  }

  /** The computed table; throws when used before its `beforeAll` ran. */
  table(): SensitivityTable {
    if (!this.computed) throw new Error(`${this.spec.label}: the sensitivity table is not computed yet — use it inside test(), after its beforeAll ran`);
    return this.computed.table;
  }

  /** A metric's raw values per cell. */
  values(metric: string): readonly SensitivityCellValues[] {
    this.table();
    return this.computed!.values.get(metric) ?? [];
  }

  /**
   * Computes the table in `context` (once): the poison through the poison cache at the table's
   * seed, applied to the clean training set, then {@link computeSensitivity}.
   */
  async run(context: SensitivityContext): Promise<SensitivityTable> {
    if (this.computed) return this.computed.table;
    const { spec } = this;
    const train = context.data.train;
    const attack = attacks.get(spec.attack);
    const { artifact } = await obtainPoison(context.store, attack, train, spec.budget, { seed: spec.seed, backend: context.backend.name });
    const poisoned = applyPoison(train, artifact);
    const network = context.tier.evaluation.network;
    const batchSize = spec.batchSize ?? Math.min(MAX_DEFAULT_SENSITIVITY_BATCH, context.tier.evaluation.recipe.batchSize);
    context.log(`metric sensitivity (${spec.label}): ${spec.cells} cells × ${spec.batches} batches of ${batchSize}, ${spec.metrics.length} metrics, C = ${network.channels}, ${network.cellsPerStage} cell(s) per stage`);
    const { panel, rows, values } = await cachedSensitivity(context.store, spec.metrics, {
      clean: train,
      poisoned,
      network,
      cells: spec.cells,
      batches: spec.batches,
      batchSize,
      seed: spec.seed,
      log: context.log,
      datasetHash: context.datasetHash,
      poisonHash: artifact.hash,
      backend: context.backend.name,
    });
    const table: SensitivityTable = {
      file: this.file,
      label: spec.label,
      attack: spec.attack,
      budget: spec.budget,
      seed: spec.seed,
      poisonHash: artifact.hash,
      network: { channels: network.channels, cellsPerStage: network.cellsPerStage },
      batchSize,
      batches: spec.batches,
      confidence: SENSITIVITY_CONFIDENCE,
      cells: panel,
      metrics: rows,
    };
    this.computed = { table, values };
    return table;
  }

  /** Uses a computed table instead of computing one (tests of the matcher and the report). */
  useComputed(table: SensitivityTable, values: Map<string, SensitivityCellValues[]>): this {
    this.computed = { table, values };
    return this;
  }
}

/** The dataset as the report names it. */
function datasetInfo(context: SensitivityContext) {
  const data: DatasetPair = context.data;
  return { name: data.train.name, source: data.train.source, hash: context.datasetHash, trainSize: data.train.n, testSize: data.test.n, resolution: data.train.height };
}

/** Stores the table for the report under the run id, spec file and label. */
export function recordSensitivity(context: SensitivityContext, s: MetricSensitivity, seconds: number): void {
  const table = s.table();
  const raw: Record<string, SensitivityRawValues> = {};
  for (const m of table.metrics) {
    const cells = s.values(m.metric);
    raw[m.metric] = { clean: cells.map((c) => c.clean.map(storeMetricValue)), poisoned: cells.map((c) => c.poisoned.map(storeMetricValue)) };
  }
  const environment: EnvironmentFingerprint = context.environment;
  const entry: SensitivityEntry = {
    runId: context.runId,
    table,
    raw,
    tier: context.tier.name,
    backend: context.backend.name,
    codeVersion: context.codeVersion,
    environment,
    dataset: datasetInfo(context),
    seconds,
    recordedAt: new Date().toISOString(),
  };
  const store: TrialStore = context.store;
  store.putCached(RUN_SENSITIVITY_NAMESPACE, `${context.runId}\u0000${table.file}\u0000${table.label}`, JSON.stringify(entry), { runId: context.runId });
}

let prepared: Promise<PreparedRun> | undefined;

/** The process's prepared run (tier, data, backend, store; no random baseline), built once. */
export function preparedRunContext(): Promise<PreparedRun> {
  prepared ??= prepareRun();
  return prepared;
}

/**
 * Declares a metric-sensitivity table in a spec file (call it inside `describe`). Its computation
 * runs once in a `beforeAll` (no timeout: minutes at the smoke tier), before the tests that assert
 * on it; the table is then stored for the report.
 */
export function metricSensitivity(options: MetricSensitivityOptions): MetricSensitivity {
  const file = TestRunner.getCurrentSuite().file;
  const s = new MetricSensitivity(options, relative(process.cwd(), file.filepath));
  installSensitivityMatchers();
  const getContext = options.context ?? preparedRunContext;
  beforeAll(async () => {
    const context = await getContext();
    const started = performance.now();
    await s.run(context);
    recordSensitivity(context, s, (performance.now() - started) / 1000);
  }, 0);
  return s;
}

function percent(x: number | null): string {
  if (x === null) return '—';
  const p = x * 100;
  return `${p > 0 ? '+' : ''}${Math.abs(p) >= 1 ? p.toFixed(1) : Number(p.toPrecision(2)).toString()}%`;
}

/** The sentence that states a band assessment with its numbers. */
export function describeBand(m: SensitivityMetric, band: number, outcome: BandOutcome): string {
  const r = m.row;
  const panel = m.sensitivity.table().cells.length;
  const head =
    `${m.label}: mean ${percent(r.mean)} over n = ${r.n} of ${panel} cells, ${SENSITIVITY_CONFIDENCE * 100}% CI [${percent(r.ciLow)}, ${percent(r.ciHigh)}], ` +
    `max |change| ${percent(r.maxAbsChange).replace('+', '')}, ${r.bitIdentical} bit-identical; band ±${percent(band).replace('+', '')}`;
  switch (outcome) {
    case 'inside':
      return `${head}. verdict: the whole CI lies inside the band`;
    case 'outside':
      return `${head}. verdict: the whole CI lies outside the band`;
    case 'insufficient':
      return `${head}. insufficient data: fewer than 2 cells with a defined change — no verdict either way`;
    case 'straddles': {
      const needed = r.mean !== null && r.sd !== null ? cellsToDecide(r.mean, r.sd, band) : null;
      return `${head}. verdict: inconclusive — the CI straddles the band's edge${needed !== null ? `; about ${needed} cells would decide it if the mean and sd held` : ''}`;
    }
  }
}

const BAND_VERDICT: Record<BandOutcome, Verdict> = { inside: 'no-harm-beyond-margin', outside: 'harm-shown', straddles: 'inconclusive', insufficient: 'insufficient-data' };

function toChangeByLessThan(this: { isNot?: boolean }, received: unknown, band: unknown) {
  if (!(received instanceof SensitivityMetric)) throw new TypeError('toChangeByLessThan takes a metric of a sensitivity table, e.g. expect(s.metric("snip")).toChangeByLessThan(0.1)');
  if (this.isNot) throw new TypeError('toChangeByLessThan cannot be negated; a change beyond the band is its failure');
  if (typeof band !== 'number' || !(band > 0)) throw new TypeError(`toChangeByLessThan: band must be a fraction > 0 (0.1 = 10%), got ${String(band)}`);
  const r = received.row;
  const outcome = bandDecision(r, band);
  const text = describeBand(received, band, outcome);
  const needed = outcome === 'straddles' && r.mean !== null && r.sd !== null ? cellsToDecide(r.mean, r.sd, band) : null;
  const verdict: MatcherVerdict = {
    matcher: 'toChangeByLessThan',
    isNot: false,
    sample: received.label,
    reference: `${received.name} with clean labels`,
    metric: received.name,
    verdict: BAND_VERDICT[outcome],
    decided: outcome === 'inside' || outcome === 'outside',
    margin: band,
    p: null,
    q: null,
    marginP: null,
    marginQ: null,
    mde: null,
    trialsNeeded: needed,
    nA: r.n,
    nB: r.n,
    text,
  };
  const test = TestRunner.getCurrentTest();
  if (test) (test.meta.naspoison ??= { verdicts: [] }).verdicts.push(verdict);
  const underpowered = `${UNDERPOWERED_NOTE}: ${text}`;
  if (outcome === 'straddles' && underpoweredModeInForce() === 'skip') test?.context.skip(underpowered);
  return {
    pass: outcome === 'inside',
    message: () =>
      (outcome === 'straddles' ? `${underpowered} — counted as a failure (--strict / underpowered mode "fail")` : text) +
      `\n\nper-cell relative changes: ${r.changes.map(percent).join(', ')}`,
  };
}

let installed = false;

/** Installs `toChangeByLessThan` (once per process). */
export function installSensitivityMatchers(): void {
  if (installed) return;
  expect.extend({ toChangeByLessThan });
  installed = true;
}
