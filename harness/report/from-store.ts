/**
 * Assembles a run's {@link RunResults} from the store: the matrices its spec files recorded under
 * the run id (namespace `run-matrix.v1`), their trials (by key), and the assertions the spec layer
 * recorded (namespace `run-assertions.v2`, key = run id), and the metric-sensitivity tables of its
 * spec files (namespace `run-sensitivity.v1`). A run may have recorded only sensitivity tables: its
 * results then have no cells and no random baseline. Reads only the store.
 *
 * Margins δ and planning sds come from the matrices (written from the spec or the tier). When every
 * matrix of the run declares the same ones, they apply run-wide; when matrices disagree (a spec file
 * overrode the tier's δ, say), each matrix's own settings apply to the cells it tested, and the
 * report lists every δ in use with the NAS methods it applied to. Only a cell tested by two matrices
 * with different settings is refused, naming both matrices.
 *
 * Matrices declared with `trials: { min, max }` also store, per poisoned arm, its sequential record
 * (looks, stop, stagewise-adjusted p-values); they are read defensively (absent in older entries,
 * malformed ones refused naming the matrix) and passed on, so the report's verdicts of those arms use
 * the adjusted p-values as the spec file's did.
 */
import { canonicalJson } from '../util/canonical-json.js';
import type { EnvironmentFingerprint, TrialRecord, TrialStore } from '../store/index.js';
import { RUN_ASSERTIONS_NAMESPACE, type RunAssertions } from '../verdicts/index.js';
import { buildRunResults, type MetricSettings } from './build.js';
import { CLEAN_ATTACK, NO_DEFENCE, cellId } from './cells.js';
import { STOP_REASONS, type ArmLook, type StopReason } from '../verdicts/index.js';
import { RUN_SENSITIVITY_NAMESPACE, type SensitivityEntry } from './sensitivity.js';
import type { CalibrationInfo, MethodInfo, RunResults, SequentialArmResult, SensitivityTable } from './types.js';

/** Version of the benchmark protocol (bump when the meaning of a stored number changes). */
export const PROTOCOL_VERSION = 'naspoison-nb201-1';

/** Cache namespace of the matrices a run recorded (written by harness/spec/matrix.ts). */
export const RUN_MATRIX_NAMESPACE = 'run-matrix.v1';

/** What harness/report reads of a `run-matrix.v1` entry (fields after `recordedAt` are optional: absent in older entries). */
export interface MatrixEntry {
  runId: string;
  label: string;
  /**
   * The matrix as declared. `defences`: its defended arms (each budget runs undefended and once per
   * defence). Older entries have instead `defence`, the one defence of every arm of the matrix.
   */
  spec: {
    nas: string;
    attack: string;
    attackParams?: object | null;
    budgets: number[];
    defences?: Array<{ label: string; name: string; params: object | null }>;
    defence?: string;
  };
  tracked: string[];
  alpha: number;
  trialKeys: string[];
  tier: string;
  randomBaseline: { samples: number; mean: number; sd: number; recipe: string };
  dataset: { name: string; source: string; hash: string; trainSize: number; testSize: number; resolution: number };
  recordedAt: string;
  /** δ per metric (in the metric's unit); a metric without one has no margin test. */
  margins?: Record<string, number>;
  /** sd per metric for the trials-needed figures (from the tier's calibration). */
  planningSd?: Record<string, number>;
  /** The NAS method and the tier's deviations from its published settings. */
  method?: { nas: string; description: string; deviations: string[] };
  /** The tier's calibration; null: none stored for the tier. */
  calibration?: CalibrationInfo | null;
  /** Per poisoned arm of a sequential matrix (`trials: { min, max }`): `ArmSequentialRecord` of harness/verdicts/sequential.ts. */
  sequential?: unknown;
}

function parseMatrices(store: TrialStore): MatrixEntry[] {
  return store.listCached(RUN_MATRIX_NAMESPACE).map((e) => JSON.parse(e.valueJson) as MatrixEntry);
}

/**
 * The sensitivity tables stored under `run-sensitivity.v1`, checked for the fields the report
 * reads (the tables themselves are validated with the results).
 *
 * @throws Error naming the entry's key when one is not a sensitivity entry.
 */
export function parseSensitivity(store: TrialStore): SensitivityEntry[] {
  return store.listCached(RUN_SENSITIVITY_NAMESPACE).map((e) => {
    const value = JSON.parse(e.valueJson) as unknown;
    const where = `stored sensitivity table ${JSON.stringify(e.key.replace(/\u0000/g, ' · '))}`;
    if (!isRecord(value) || typeof value.runId !== 'string' || !isRecord(value.table) || typeof value.table.file !== 'string' || typeof value.table.label !== 'string') {
      throw new Error(`${where} is not { runId, table: { file, label, … }, … }`);
    }
    for (const field of ['tier', 'codeVersion', 'recordedAt'] as const) {
      if (typeof value[field] !== 'string') throw new Error(`${where}: ${field} must be a string, got ${JSON.stringify(value[field])}`);
    }
    if (!isRecord(value.environment) || !isRecord(value.dataset)) throw new Error(`${where}: environment and dataset must be objects`);
    return value as unknown as SensitivityEntry;
  });
}

/** Runs recorded in the store that have matrices or sensitivity tables, newest last. */
export function reportableRunIds(store: TrialStore): string[] {
  const ids = new Set([...parseMatrices(store).map((m) => m.runId), ...parseSensitivity(store).map((t) => t.runId)]);
  const ordered = store.listRuns().map((r) => r.runId).filter((id) => ids.has(id));
  for (const id of ids) if (!ordered.includes(id)) ordered.push(id);
  return ordered;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A per-metric table of positive numbers, or undefined when absent; malformed ones are refused. */
function metricTable(value: unknown, what: string, matrix: MatrixEntry): Record<string, number> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw new Error(`matrix "${matrix.label}" of run "${matrix.runId}": ${what} must be an object of metric → number, got ${JSON.stringify(value)}`);
  const out: Record<string, number> = {};
  for (const [metric, v] of Object.entries(value)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new Error(`matrix "${matrix.label}" of run "${matrix.runId}": ${what}.${metric} must be a number > 0, got ${JSON.stringify(v)}`);
    }
    out[metric] = v;
  }
  return out;
}

function settingsOf(m: MatrixEntry): MetricSettings {
  const margins = metricTable(m.margins, 'margins', m);
  const planningSd = metricTable(m.planningSd, 'planningSd', m);
  return { ...(margins ? { margins } : {}), ...(planningSd ? { planningSd } : {}) };
}

function methodOf(m: MatrixEntry): MethodInfo | undefined {
  const x = m.method as unknown;
  if (!isRecord(x) || typeof x.nas !== 'string') return undefined;
  const deviations = Array.isArray(x.deviations) ? x.deviations.filter((d): d is string => typeof d === 'string' && d.length > 0) : [];
  return { nas: x.nas, description: typeof x.description === 'string' ? x.description : '', deviations };
}

function num(x: unknown): number | undefined {
  return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
}

/** The calibration in the report's shape (only its known fields); undefined when absent or malformed. */
function calibrationOf(m: MatrixEntry): CalibrationInfo | null | undefined {
  const c = m.calibration as unknown;
  if (c === null) return null;
  if (!isRecord(c) || !isRecord(c.random) || !isRecord(c.seedNoise)) return undefined;
  const random = { n: num(c.random.n), mean: num(c.random.mean), sd: num(c.random.sd) };
  const seed = { cell: c.seedNoise.cell, n: num(c.seedNoise.n), sd: num(c.seedNoise.sd), mean: num(c.seedNoise.mean) };
  const headroom = num(c.headroom);
  if (typeof c.tier !== 'string' || typeof c.recipe !== 'string' || typeof c.createdAt !== 'string' || headroom === undefined) return undefined;
  if (random.n === undefined || random.mean === undefined || random.sd === undefined) return undefined;
  if (typeof seed.cell !== 'string' || seed.n === undefined || seed.sd === undefined || seed.mean === undefined) return undefined;
  const references = (Array.isArray(c.references) ? c.references : []).flatMap((r: unknown) => {
    if (!isRecord(r) || typeof r.name !== 'string' || typeof r.genotype !== 'string' || num(r.n) === undefined || num(r.mean) === undefined) return [];
    return [{ name: r.name, genotype: r.genotype, n: num(r.n)!, mean: num(r.mean)!, sd: num(r.sd) ?? null }];
  });
  return {
    tier: c.tier,
    recipe: c.recipe,
    random: { n: random.n, mean: random.mean, sd: random.sd },
    seedNoise: { cell: seed.cell, n: seed.n, sd: seed.sd, mean: seed.mean },
    references,
    headroom,
    createdAt: c.createdAt,
  };
}


function probability(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= 1;
}

function nullableProbability(x: unknown): x is number | null {
  return x === null || probability(x);
}

function count(x: unknown, least = 0): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= least;
}

/**
 * The defence of the arm a matrix's sequential records monitor: the undefended arm of a matrix
 * with `defences` (only it runs sequentially); in an older entry, its one `defence` (every arm of
 * such a matrix had it), `none` when that is absent too.
 */
function sequentialDefence(m: MatrixEntry): string {
  if (Array.isArray(m.spec.defences)) return NO_DEFENCE;
  return typeof m.spec.defence === 'string' && m.spec.defence !== '' ? m.spec.defence : NO_DEFENCE;
}

/**
 * The matrix's sequential records, each with the id of its cell; [] when absent (older entries,
 * fixed-n matrices).
 *
 * @throws Error naming the matrix, the arm and the field when a record is malformed or names an
 *   arm the matrix did not declare.
 */
export function sequentialOf(m: MatrixEntry): SequentialArmResult[] {
  const value = m.sequential;
  if (value === undefined || value === null) return [];
  const where = `matrix "${m.label}" of run "${m.runId}"`;
  if (!Array.isArray(value)) throw new Error(`${where}: sequential must be an array of per-arm records, got ${JSON.stringify(value)}`);
  return value.map((r: unknown, i: number): SequentialArmResult => {
    const bad = (field: string, got: unknown, expected: string): never => {
      const arm = isRecord(r) && typeof r.arm === 'string' ? ` (arm ${r.arm})` : '';
      throw new Error(`${where}: sequential[${i}]${arm}${field === '' ? '' : `.${field}`} must be ${expected}, got ${JSON.stringify(got)}`);
    };
    if (!isRecord(r)) return bad('', r, 'an object') as never;
    if (typeof r.arm !== 'string') bad('arm', r.arm, 'a string');
    if (!(typeof r.budget === 'number' && m.spec.budgets.includes(r.budget))) bad('budget', r.budget, `one of the matrix's budgets (${m.spec.budgets.join(', ')})`);
    const budget = r.budget as number;
    if (r.arm !== `${m.spec.attack}@${budget}`) bad('arm', r.arm, `"${m.spec.attack}@${budget}" (the matrix's attack at its budget)`);
    const d = r.design;
    if (!isRecord(d)) return bad('design', d, 'an object') as never;
    if (!count(d.min, 2)) bad('design.min', d.min, 'an integer ≥ 2');
    if (!(count(d.max) && d.max > (d.min as number))) bad('design.max', d.max, 'an integer > design.min');
    if (!count(d.step, 1)) bad('design.step', d.step, 'a positive integer');
    if (d.shape !== 'obrien-fleming' && d.shape !== 'pocock') bad('design.shape', d.shape, "'obrien-fleming' or 'pocock'");
    if (!(typeof d.alpha === 'number' && d.alpha > 0 && d.alpha < 1)) bad('design.alpha', d.alpha, 'a number in (0, 1)');
    if (!(d.margin === null || (typeof d.margin === 'number' && Number.isFinite(d.margin) && d.margin > 0))) bad('design.margin', d.margin, 'a number > 0 or null');
    if (d.metric !== 'accuracy') bad('design.metric', d.metric, "'accuracy'");
    if (!(Array.isArray(d.looks) && d.looks.length > 0 && d.looks.every((n) => count(n, 1)))) bad('design.looks', d.looks, 'a non-empty array of positive integers');
    if (!Array.isArray(r.looks)) return bad('looks', r.looks, 'an array') as never;
    const looks = r.looks.map((l: unknown, k: number): ArmLook => {
      if (!isRecord(l)) return bad(`looks[${k}]`, l, 'an object') as never;
      if (!count(l.nA)) bad(`looks[${k}].nA`, l.nA, 'a count');
      if (!count(l.nB)) bad(`looks[${k}].nB`, l.nB, 'a count');
      for (const f of ['harmP', 'harmLevel'] as const) if (!probability(l[f])) bad(`looks[${k}].${f}`, l[f], 'a probability');
      for (const f of ['marginP', 'marginLevel'] as const) if (!nullableProbability(l[f])) bad(`looks[${k}].${f}`, l[f], 'a probability or null');
      return { nA: l.nA as number, nB: l.nB as number, harmP: l.harmP as number, harmLevel: l.harmLevel as number, marginP: l.marginP as number | null, marginLevel: l.marginLevel as number | null };
    });
    if (!count(r.stoppedAt)) bad('stoppedAt', r.stoppedAt, 'a count');
    if (!STOP_REASONS.includes(r.reason as StopReason)) bad('reason', r.reason, `one of ${STOP_REASONS.map((x) => `"${x}"`).join(', ')}`);
    if (!nullableProbability(r.adjustedHarmP)) bad('adjustedHarmP', r.adjustedHarmP, 'a probability or null');
    if (!nullableProbability(r.adjustedMarginP)) bad('adjustedMarginP', r.adjustedMarginP, 'a probability or null');
    return {
      cell: cellId({ nas: m.spec.nas, attack: m.spec.attack, budget, defence: sequentialDefence(m) }),
      arm: r.arm as string,
      budget,
      design: {
        min: d.min as number,
        max: d.max as number,
        step: d.step as number,
        shape: d.shape as 'obrien-fleming' | 'pocock',
        alpha: d.alpha as number,
        margin: d.margin as number | null,
        metric: 'accuracy',
        looks: [...(d.looks as number[])],
      },
      looks,
      stoppedAt: r.stoppedAt as number,
      reason: r.reason as StopReason,
      adjustedHarmP: r.adjustedHarmP as number | null,
      adjustedMarginP: r.adjustedMarginP as number | null,
    };
  });
}

/**
 * The sequential records of a run's matrices, one per cell: a cell recorded by two matrices (say,
 * budgets split over files) must carry the same record.
 *
 * @throws Error naming both matrices when they stored different records for one cell.
 */
export function mergeSequential(matrices: readonly MatrixEntry[]): SequentialArmResult[] {
  const byCell = new Map<string, { record: SequentialArmResult; matrix: MatrixEntry }>();
  for (const m of matrices) {
    for (const record of sequentialOf(m)) {
      const before = byCell.get(record.cell);
      if (before && canonicalJson(before.record) !== canonicalJson(record)) {
        throw new Error(`run "${m.runId}": cell ${record.cell} has different sequential records in matrix "${before.matrix.label}" and matrix "${m.label}"; one arm stops once`);
      }
      byCell.set(record.cell, { record, matrix: m });
    }
  }
  return [...byCell.values()].map((e) => e.record);
}

/** Reads the run's assertions (`run-assertions.v2`, key = run id); undefined when none are stored. */
export function runAssertionsFromStore(store: TrialStore, runId: string): RunAssertions | undefined {
  const text = store.getCached(RUN_ASSERTIONS_NAMESPACE, runId);
  if (text === undefined) return undefined;
  const value = JSON.parse(text) as RunAssertions;
  if (!isRecord(value) || !Array.isArray(value.assertions)) {
    throw new Error(`run "${runId}": the stored assertions (${RUN_ASSERTIONS_NAMESPACE}) are not { runId, strict, assertions[] }`);
  }
  return value;
}

/**
 * Margins and planning sds for {@link buildRunResults}: run-wide when all matrices agree, else per
 * tested cell (each matrix's own).
 *
 * @throws Error naming both matrices when one cell is tested by two matrices with different settings.
 */
export function mergeMatrixSettings(
  matrices: readonly MatrixEntry[],
  trialsByKey: ReadonlyMap<string, TrialRecord>,
): { margins?: Record<string, number>; planningSd?: Record<string, number>; cellSettings?: Record<string, MetricSettings> } {
  const settings = matrices.map(settingsOf);
  const distinct = new Set(settings.map((s) => canonicalJson(s)));
  if (distinct.size <= 1) {
    const s = settings[0] ?? {};
    return { ...(s.margins ? { margins: { ...s.margins } } : {}), ...(s.planningSd ? { planningSd: { ...s.planningSd } } : {}) };
  }
  const cellSettings: Record<string, MetricSettings> = {};
  const owner = new Map<string, number>();
  matrices.forEach((m, i) => {
    for (const key of m.trialKeys) {
      const t = trialsByKey.get(key);
      if (!t || (t.attack === CLEAN_ATTACK && t.defence === NO_DEFENCE)) continue; // the undefended control is never tested
      const id = cellId(t);
      const before = owner.get(id);
      if (before !== undefined && before !== i && canonicalJson(settings[before]) !== canonicalJson(settings[i])) {
        const other = matrices[before]!;
        throw new Error(
          `run "${m.runId}": cell ${id} is tested by matrix "${other.label}" (margins ${canonicalJson(settings[before]!.margins ?? {})}, planning sd ${canonicalJson(settings[before]!.planningSd ?? {})}) ` +
            `and by matrix "${m.label}" (margins ${canonicalJson(settings[i]!.margins ?? {})}, planning sd ${canonicalJson(settings[i]!.planningSd ?? {})}); ` +
            'one comparison cannot have two margins — declare the same δ in both spec files',
        );
      }
      owner.set(id, i);
      cellSettings[id] = settings[i]!;
    }
  });
  return { cellSettings };
}

/**
 * The environment of trials that ran on several machines — the shards of a run on a CI matrix —
 * with the same backend and TF.js version: one fingerprint whose differing fields list every value
 * (`AMD EPYC 7763 / Intel Xeon 8370C`; the smallest core count). Undefined when every trial ran in
 * one environment (the report takes it from the trials), or when backends or TF.js versions differ:
 * such trials do not form one run, and building the results refuses them, naming the difference.
 */
export function machinesOf(trials: readonly TrialRecord[]): EnvironmentFingerprint | undefined {
  const envs = [...new Map(trials.map((t) => [canonicalJson(t.environment), t.environment])).values()];
  const first = envs[0];
  if (first === undefined || envs.length === 1) return undefined;
  if (envs.some((e) => e.backend !== first.backend || e.tfjs !== first.tfjs)) return undefined;
  const joined = (field: 'node' | 'platform' | 'arch' | 'cpuModel' | 'gpu') => [...new Set(envs.map((e) => e[field]).filter((v): v is string => v !== undefined))].sort().join(' / ');
  const gpu = joined('gpu');
  return {
    backend: first.backend,
    tfjs: first.tfjs,
    node: joined('node'),
    platform: joined('platform'),
    arch: joined('arch'),
    cpuModel: `${joined('cpuModel')} (trials ran on ${envs.length} machine configurations)`,
    cpuCount: Math.min(...envs.map((e) => e.cpuCount)),
    ...(gpu !== '' ? { gpu } : {}),
  };
}

/**
 * The results of a run that recorded sensitivity tables only (no matrices, so no trials and no
 * random baseline): run facts from the run's record and the tables' entries.
 */
function sensitivityOnlyResults(store: TrialStore, runId: string, entries: readonly SensitivityEntry[], options: { title?: string }): RunResults {
  const run = store.getRun(runId);
  const stored = runAssertionsFromStore(store, runId);
  const newest = [...entries].sort((a, b) => (a.recordedAt < b.recordedAt ? 1 : -1))[0]!;
  const datasets = new Set(entries.map((e) => e.dataset.hash));
  if (datasets.size > 1) throw new Error(`run "${runId}": its sensitivity tables were computed on ${datasets.size} different datasets (${[...datasets].join(', ')}); one run has one dataset`);
  const recordedAt = entries.map((e) => e.recordedAt).sort();
  return buildRunResults([], {
    protocolVersion: PROTOCOL_VERSION,
    run: {
      id: runId,
      createdAt: run?.startedAt ?? recordedAt[0]!,
      // What the spec process computed under (its tier by name, its backend), not what was asked for.
      tier: newest.tier,
      codeVersion: newest.codeVersion,
      environment: newest.environment,
      dataset: newest.dataset,
      ...(run?.command ? { command: run.command } : {}),
      ...(run && run.exitCode !== null ? { exitCode: run.exitCode } : {}),
      ...(options.title ? { title: options.title } : {}),
      ...(stored ? { strict: stored.strict === true } : {}),
    },
    ...(stored ? { assertions: stored.assertions } : {}),
    sensitivity: sortedTables(entries),
  });
}

/** The run's tables in a stable order: by spec file, then label. */
function sortedTables(entries: readonly SensitivityEntry[]): SensitivityTable[] {
  return entries.map((e) => e.table).sort((a, b) => (a.file === b.file ? (a.label < b.label ? -1 : a.label > b.label ? 1 : 0) : a.file < b.file ? -1 : 1));
}

/** Builds the results of run `runId`; throws naming the run when it recorded nothing. */
export function runResultsFromStore(store: TrialStore, runId: string, options: { title?: string } = {}): RunResults {
  const matrices = parseMatrices(store).filter((m) => m.runId === runId);
  const tables = parseSensitivity(store).filter((t) => t.runId === runId);
  if (matrices.length === 0) {
    if (tables.length > 0) return sensitivityOnlyResults(store, runId, tables, options);
    const known = reportableRunIds(store);
    throw new Error(`run "${runId}" recorded no matrices or sensitivity tables in ${store.path}; runs with results: ${known.join(', ') || '(none)'}`);
  }
  const keys = [...new Set(matrices.flatMap((m) => m.trialKeys))];
  const trials: TrialRecord[] = [];
  for (const key of keys) {
    const trial = store.getTrial(key);
    if (!trial) throw new Error(`run "${runId}": trial ${key.slice(0, 12)} is listed by a matrix but missing from ${store.path}`);
    trials.push(trial);
  }
  const first = matrices[0]!;
  const metrics = [...new Set(matrices.flatMap((m) => m.tracked))];
  const stored = runAssertionsFromStore(store, runId);
  const methods = [...new Map(matrices.map(methodOf).filter((m): m is MethodInfo => m !== undefined).map((m) => [m.nas, m] as const)).values()].sort((a, b) =>
    a.nas < b.nas ? -1 : a.nas > b.nas ? 1 : 0,
  );
  // Every matrix of a run ran at one tier, so they carry one calibration; the newest one wins if not.
  const calibrations = matrices.map(calibrationOf).filter((c): c is CalibrationInfo | null => c !== undefined);
  const calibration = calibrations.length === 0 ? undefined : (calibrations.filter((c): c is CalibrationInfo => c !== null).sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))[0] ?? null);
  const run = store.getRun(runId);
  // Stored trials are reused across commits (their keys hold every effective parameter, not the
  // code version), so a resumed run may mix versions: name them all rather than refuse.
  const versions = [...new Set(trials.map((t) => t.codeVersion))].sort();
  const codeVersion = versions.length === 1 ? versions[0]! : `${run?.codeVersion ?? versions[versions.length - 1]!} (trials from ${versions.length} code versions: ${versions.join(', ')})`;
  const recordedAt = matrices.map((m) => m.recordedAt).sort();
  const environment = machinesOf(trials);
  const sequential = mergeSequential(matrices);
  return buildRunResults(trials, {
    protocolVersion: PROTOCOL_VERSION,
    run: {
      id: runId,
      createdAt: run?.startedAt ?? recordedAt[0]!,
      codeVersion,
      ...(environment !== undefined ? { environment } : {}),
      dataset: first.dataset,
      ...(run?.command ? { command: run.command } : {}),
      ...(run && run.exitCode !== null ? { exitCode: run.exitCode } : {}),
      ...(options.title ? { title: options.title } : {}),
      ...(stored ? { strict: stored.strict === true } : {}),
    },
    randomBaseline: { samples: first.randomBaseline.samples, mean: first.randomBaseline.mean, sd: first.randomBaseline.sd, recipe: first.randomBaseline.recipe, space: 'NAS-Bench-201' },
    alpha: first.alpha,
    metrics,
    ...mergeMatrixSettings(matrices, new Map(trials.map((t) => [t.trialKey, t]))),
    ...(stored ? { assertions: stored.assertions } : {}),
    ...(methods.length > 0 ? { methods } : {}),
    ...(calibration !== undefined ? { calibration } : {}),
    ...(sequential.length > 0 ? { sequential } : {}),
    ...(tables.length > 0 ? { sensitivity: sortedTables(tables) } : {}),
  });
}
