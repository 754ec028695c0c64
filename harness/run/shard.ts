/**
 * Sharded runs: `naspoison run --shard i/n` computes a deterministic 1/n of a run's trials — all
 * matrices of all selected spec files together, deduplicated (matrices of one NAS share their clean
 * control), balanced by an estimate of each trial's cost — into its own store. `naspoison merge`
 * puts the shards' stores together, refusing shards of different code versions, tiers, backends or
 * plans, and a `naspoison run` over the merged store then finds every trial stored and computes the
 * verdicts and the report, identical to a run on one machine.
 *
 * The assignment depends on the plan only (the trials, their estimated costs and a stable order),
 * never on the machine or on what a store already holds, so n machines that each compute their
 * shard of the same plan cover it exactly once. Matrices that run sequentially
 * (`trials: { min, max }`) are planned at their maximum: which looks a run takes depends on the
 * results, so the shards compute every trial a look could need and the run over the merged store
 * reads the ones its looks take (the rest stay in the store, unused by the report).
 */
import { createHash } from 'node:crypto';
import { nasAlgorithms } from '../nas/index.js';
import { canonicalJson } from '../util/canonical-json.js';
import { planMatrix, type ValidMatrixSpec } from './matrix.js';
import { nasSettingsOf, type Tier } from './tiers.js';
import type { NasAlgorithm } from '../nas/types.js';
import type { TrialPlan } from './trial.js';

/** Shard i of n (1-based, as typed: `--shard 2/3`). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/**
 * Parses `--shard i/n`: integers with 1 ≤ i ≤ n.
 *
 * @throws Error naming the value and the rule (the CLI turns it into a usage error, exit 2)
 */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new Error(`--shard "${text}" must be i/n with whole numbers, e.g. --shard 2/3 (shard 2 of 3)`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`--shard "${text}": the shard count n must be at least 1`);
  if (!Number.isSafeInteger(index) || index < 1 || index > count) throw new Error(`--shard "${text}": the shard number i must be between 1 and ${count} (shards are numbered from 1)`);
  return { index, count };
}

/** `2/3`. */
export function shardLabel(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** What {@link estimateTrialCost} needs to know of the run. */
export interface CostContext {
  readonly tier: Tier;
  /** Images of the (tier-sized) training set. */
  readonly trainSize: number;
}

/**
 * A trial's expected cost, in image-epochs of the tier's evaluation network: the retraining of the
 * found cell plus the search — the method's own {@link NasAlgorithm.searchCost} hint, else one more
 * retraining (nothing for the `baseline` family). A relative estimate for balancing shards, not a
 * time. Measured at the smoke tier on 2 cores (trial durations in the store of a full smoke run):
 * random search 6.5 s, P-DARTS 19.0 s, random search with early stopping 29.1 s per trial, i.e.
 * 1 : 2.9 : 4.5; their hints give 8,000 : 23,000 : 24,000 image-epochs (1 : 2.9 : 3.0) — close
 * enough that no shard gets much more than its share (early stopping's small batches cost more per
 * image than its hint says).
 */
export function estimateTrialCost(plan: Pick<TrialPlan, 'nas'>, run: CostContext): number {
  const evaluation = run.tier.evaluation;
  const retrain = evaluation.recipe.epochs * run.trainSize;
  const nas = nasAlgorithms.get(plan.nas);
  const settings = nasSettingsOf(run.tier, plan.nas, `"${run.tier.name}"`);
  let search: number;
  if (nas.searchCost) {
    search = nas.searchCost(settings, {
      trainSize: run.trainSize,
      evaluation: { channels: evaluation.network.channels, cellsPerStage: evaluation.network.cellsPerStage, epochs: evaluation.recipe.epochs },
      panelSize: run.tier.randomBaseline.samples,
    });
    if (!(Number.isFinite(search) && search >= 0)) throw new Error(`NAS algorithm "${plan.nas}": searchCost gave ${search}; it must be a finite number ≥ 0`);
  } else search = nas.family === 'baseline' ? 0 : retrain;
  return retrain + search;
}

/** A matrix as a spec file declares it (what the collection pass finds), with its file. */
export interface DeclaredMatrix {
  /** Spec file, relative to the project root. */
  readonly file: string;
  readonly label: string;
  readonly spec: ValidMatrixSpec;
}

/** One trial of the run's plan, with its store key and estimated cost. */
export interface PlannedTrial {
  readonly plan: TrialPlan;
  readonly key: string;
  readonly cost: number;
  /** `nas/attack/budget/defence/#i`: the stable order of the assignment. */
  readonly id: string;
}

/** A run's plan: every distinct trial of its matrices, dealt to shards. */
export interface ShardPlan {
  /** sha256 of the sorted trial keys: two shards belong to one run exactly when their plans' hashes agree. */
  readonly hash: string;
  readonly trials: readonly PlannedTrial[];
  /** Per shard (index 0 = shard 1), its trials, most expensive first. */
  readonly shards: ReadonlyArray<readonly PlannedTrial[]>;
  /** Per shard, the sum of its trials' estimated costs. */
  readonly loads: readonly number[];
}

/** `pdarts/random-label-flip/0.5/none/#2`. */
export function trialId(plan: TrialPlan): string {
  return `${plan.nas}/${plan.attack}/${plan.budget}/${plan.defence}/#${plan.trialIndex}`;
}

/**
 * Every distinct trial of the matrices (trials per arm: the matrix's own, its sequential maximum,
 * or the tier's), each keyed by `keyOf` (the store's trial key), deduplicated by key.
 */
export function planTrials(matrices: readonly DeclaredMatrix[], tier: Tier, keyOf: (plan: TrialPlan) => string, costOf: (plan: TrialPlan) => number): PlannedTrial[] {
  const byKey = new Map<string, PlannedTrial>();
  for (const m of matrices) {
    const trials = typeof m.spec.trials === 'object' ? m.spec.trials.max : (m.spec.trials ?? tier.trials);
    for (const plan of planMatrix(m.spec, trials)) {
      const key = keyOf(plan);
      if (!byKey.has(key)) byKey.set(key, { plan, key, cost: costOf(plan), id: trialId(plan) });
    }
  }
  return [...byKey.values()];
}

/**
 * Deals the trials to `count` shards, longest first (LPT): in order of decreasing cost (ties by
 * {@link PlannedTrial.id}), each trial goes to the shard with the least load so far (ties: the
 * lowest shard). Deterministic: the same trials give the same shards on every machine. The largest
 * shard's load is at most 4/3 of the optimum.
 */
export function assignShards(trials: readonly PlannedTrial[], count: number): ShardPlan {
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`shard count must be a positive integer, got ${count}`);
  const ordered = [...trials].sort((a, b) => b.cost - a.cost || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const shards: PlannedTrial[][] = Array.from({ length: count }, () => []);
  const loads: number[] = Array(count).fill(0);
  for (const trial of ordered) {
    let best = 0;
    for (let s = 1; s < count; s++) if (loads[s]! < loads[best]!) best = s;
    shards[best]!.push(trial);
    loads[best]! += trial.cost;
  }
  const hash = createHash('sha256').update(canonicalJson(trials.map((t) => t.key).sort())).digest('hex');
  return { hash, trials: ordered, shards, loads };
}

/** Cache namespace of {@link ShardRecord}s (key: the shard's run id). */
export const SHARD_NAMESPACE = 'run-shard.v1';

/** What a shard run stores about itself, for `naspoison merge` and the run over the merged store. */
export interface ShardRecord {
  readonly runId: string;
  readonly shard: Shard;
  readonly tier: string;
  /** The TF.js backend that ran (trial keys depend on it). */
  readonly backend: string;
  readonly codeVersion: string;
  readonly datasetHash: string;
  /**
   * The arguments that choose the plan, as the shard was given them (`--tier`, `--backend` as it
   * resolved, `--fixture`, `--data-dir`, the spec filters): the run over the merged store repeats
   * them, so it plans the same trials and finds them all stored.
   */
  readonly planArguments: readonly string[];
  readonly plan: {
    readonly hash: string;
    /** Every trial key of the plan (all shards). */
    readonly keys: readonly string[];
  };
  /** The trial keys this shard computed. */
  readonly keys: readonly string[];
  /** Estimated cost of this shard and of the whole plan (image-epochs, see {@link estimateTrialCost}). */
  readonly estimatedCost: { readonly shard: number; readonly total: number };
}

/** A shard record and the store it came from. */
export interface FoundShard {
  readonly source: string;
  readonly record: ShardRecord;
}

/**
 * Why these shards cannot be merged (different code versions, tiers, backends, datasets, shard
 * counts or plans), naming two that disagree; undefined when they fit together.
 */
export function shardRefusal(found: readonly FoundShard[]): string | undefined {
  const name = (f: FoundShard) => `${f.source} (shard ${shardLabel(f.record.shard)}, run ${f.record.runId})`;
  const checks: Array<{ what: string; value: (r: ShardRecord) => string; why: string }> = [
    { what: 'code version', value: (r) => r.codeVersion, why: 'different code can give different numbers for the same trial; rerun the shards from one commit' },
    { what: 'tier', value: (r) => r.tier, why: 'trials of different tiers do not form one run; give every shard the same --tier' },
    { what: 'backend', value: (r) => r.backend, why: 'trials on different backends do not give identical numbers; give every shard the same --backend' },
    { what: 'dataset', value: (r) => r.datasetHash, why: 'the shards trained on different data; give every shard the same --data-dir (or none)' },
    { what: 'shard count', value: (r) => String(r.shard.count), why: 'shards of different splits overlap or leave gaps; run every shard with the same n in --shard i/n' },
    { what: 'plan', value: (r) => r.plan.hash.slice(0, 12), why: 'the shards were given different spec files, filters or settings; run every shard with the same arguments' },
  ];
  const first = found[0];
  if (first === undefined) return undefined;
  for (const check of checks) {
    const other = found.find((f) => check.value(f.record) !== check.value(first.record));
    if (other) {
      return `refusing to merge: ${name(first)} has ${check.what} ${check.value(first.record)} but ${name(other)} has ${check.value(other.record)} — ${check.why}`;
    }
  }
  return undefined;
}

/** How much of the plan the given shards cover. */
export interface ShardCoverage {
  readonly count: number;
  /** Shard numbers present (1-based, ascending). */
  readonly present: readonly number[];
  readonly missing: readonly number[];
  /** Plan trials that none of the present shards computed. */
  readonly missingTrials: number;
  readonly totalTrials: number;
}

/** Which shards of the plan are present (call after {@link shardRefusal} found none to refuse). */
export function shardCoverage(found: readonly FoundShard[]): ShardCoverage | undefined {
  const first = found[0];
  if (first === undefined) return undefined;
  const count = first.record.shard.count;
  const present = [...new Set(found.map((f) => f.record.shard.index))].sort((a, b) => a - b);
  const covered = new Set(found.flatMap((f) => f.record.keys));
  return {
    count,
    present,
    missing: Array.from({ length: count }, (_, i) => i + 1).filter((i) => !present.includes(i)),
    missingTrials: first.record.plan.keys.filter((k) => !covered.has(k)).length,
    totalTrials: first.record.plan.keys.length,
  };
}

/** Reads and checks a stored shard record (undefined when it is not one). */
export function parseShardRecord(json: string): ShardRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  const r = value as Partial<ShardRecord>;
  const ok =
    typeof r === 'object' &&
    r !== null &&
    typeof r.runId === 'string' &&
    typeof r.shard?.index === 'number' &&
    typeof r.shard.count === 'number' &&
    typeof r.tier === 'string' &&
    typeof r.backend === 'string' &&
    typeof r.codeVersion === 'string' &&
    typeof r.datasetHash === 'string' &&
    Array.isArray(r.planArguments) &&
    r.planArguments.every((a) => typeof a === 'string') &&
    typeof r.plan?.hash === 'string' &&
    Array.isArray(r.plan.keys) &&
    Array.isArray(r.keys);
  return ok ? (r as ShardRecord) : undefined;
}

/** Quotes an argument for a POSIX shell when it needs it. */
function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command that computes the verdicts and the report over a merged store (the shards' {@link ShardRecord.planArguments}). */
export function verdictCommand(record: ShardRecord, storePath: string): string {
  return ['npx', 'naspoison', 'run', '--store', storePath, ...record.planArguments].map(shellQuote).join(' ');
}
