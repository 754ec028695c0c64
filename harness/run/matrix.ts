/**
 * A poisoning matrix as data, and running it: the clean control arm and one arm per budget, each
 * with the tier's number of trials, in a fixed order; progress (trial i of N, elapsed, ETA) on the
 * terminal; every trial from the store when it is there.
 */
import { CLEAN, attacks, checkBudget } from '../attacks/index.js';
import { nasAlgorithms } from '../nas/index.js';
import type { TrialRecord } from '../store/index.js';
import type { RunContext } from './context.js';
import { planIdentity, runTrial, type TrialPlan } from './trial.js';
import { formatDuration } from '../util/format.js';
import { runJobsInWorkers } from './workers.js';
import { computeClaimable, shareJobs, trialSharing } from './shared-work.js';
import { ArmMonitor, checkSequentialTrials, type ArmSequentialRecord, type SequentialTrials } from './sequential.js';
import { DEFAULT_ALPHA } from '../stats/index.js';

export interface MatrixSpec {
  nas: string;
  attack: string;
  budgets: readonly number[];
  defence?: string;
  /**
   * Trials per arm; default: the tier's. `{ min, max }` runs them in looks and stops each poisoned
   * arm when a group-sequential test decides (see harness/run/sequential.ts).
   */
  trials?: number | SequentialTrials;
}

/** A checked spec: defence resolved; trials undefined means the tier's count. */
export interface ValidMatrixSpec {
  nas: string;
  attack: string;
  budgets: number[];
  defence: string;
  trials: number | Required<SequentialTrials> | undefined;
}

/** The validated form of a spec (throws naming the bad part). */
export function validateMatrixSpec(spec: MatrixSpec): ValidMatrixSpec {
  nasAlgorithms.get(spec.nas);
  if (spec.attack === CLEAN) throw new Error(`attack "${CLEAN}" is the control arm, not an attack; name the attack to test`);
  attacks.get(spec.attack);
  if (!Array.isArray(spec.budgets) || spec.budgets.length === 0) throw new Error(`${spec.nas} × ${spec.attack}: budgets must list at least one poisoning fraction`);
  for (const b of spec.budgets) checkBudget(b, `${spec.nas} × ${spec.attack}`);
  if (new Set(spec.budgets).size !== spec.budgets.length) throw new Error(`${spec.nas} × ${spec.attack}: budgets list a value twice: ${spec.budgets.join(', ')}`);
  const label = `${spec.nas} × ${spec.attack}`;
  let trials: ValidMatrixSpec['trials'];
  if (typeof spec.trials === 'object' && spec.trials !== null) trials = checkSequentialTrials(spec.trials, label);
  else if (spec.trials !== undefined && (!Number.isInteger(spec.trials) || spec.trials < 1)) {
    throw new Error(`${label}: trials must be a positive integer or { min, max }, got ${String(spec.trials)}`);
  } else trials = spec.trials;
  const defence = spec.defence ?? 'none';
  if (defence !== 'none') throw new Error(`unknown defence "${defence}"; registered defences: none`);
  return { nas: spec.nas, attack: spec.attack, budgets: [...spec.budgets], defence, trials };
}

/** Label of a matrix, e.g. `pdarts × random-label-flip`. */
export function matrixLabel(spec: Pick<MatrixSpec, 'nas' | 'attack' | 'defence'>): string {
  return `${spec.nas} × ${spec.attack}${spec.defence && spec.defence !== 'none' ? ` + ${spec.defence}` : ''}`;
}

/**
 * Trials of a matrix: for each trial index, the control arm then the budgets in ascending order
 * (only `budgets`, when given; trial indices from `from`).
 */
export function planMatrix(spec: ValidMatrixSpec, trials: number, options: { budgets?: readonly number[]; from?: number } = {}): TrialPlan[] {
  const budgets = [...(options.budgets ?? spec.budgets)].sort((a, b) => a - b);
  const arms: Array<{ attack: string; budget: number }> = [{ attack: CLEAN, budget: 0 }, ...budgets.map((budget) => ({ attack: spec.attack, budget }))];
  const plans: TrialPlan[] = [];
  // Interleaved by trial index: an interrupted run still has every arm at similar n.
  for (let i = options.from ?? 0; i < trials; i++) for (const arm of arms) plans.push({ nas: spec.nas, ...arm, defence: spec.defence, trialIndex: i });
  return plans;
}

export interface MatrixResults {
  label: string;
  spec: ValidMatrixSpec;
  trials: number;
  /** Completed trials per arm key (`clean@0`, `random-label-flip@0.5`). */
  arms: Map<string, TrialRecord[]>;
  /** Trials that errored (reported, excluded from statistics). */
  errored: TrialRecord[];
  /** Trial keys in plan order. */
  trialKeys: string[];
  ranTrials: number;
  reusedTrials: number;
  /** Per poisoned arm of a sequential matrix: its looks, the boundary used and why it stopped. */
  sequential?: ArmSequentialRecord[];
}

export function armKey(attack: string, budget: number): string {
  return `${attack}@${budget}`;
}

/** Options of {@link runMatrix} that the spec layer owns. */
export interface RunMatrixOptions {
  /** Level of the sequential tests (default 0.05). */
  alpha?: number;
  /** Margin δ of the accuracy hypothesis for sequential matrices (null: harm test only). */
  margin?: number | null;
}

/**
 * Runs every trial of the matrix that the store does not have — in `ctx.workers` processes when
 * there is more than one trial to run — then reads all of them back and groups them by arm.
 * A matrix with `trials: { min, max }` runs in looks (see harness/run/sequential.ts).
 */
export async function runMatrix(spec: MatrixSpec, ctx: RunContext, options: RunMatrixOptions = {}): Promise<MatrixResults> {
  const valid = validateMatrixSpec(spec);
  if (typeof valid.trials === 'object') return runSequentialMatrix(valid, valid.trials, ctx, options);
  const trials = valid.trials ?? ctx.tier.trials;
  const plans = planMatrix(valid, trials);
  const ran = await runPlans(plans, ctx, matrixLabel(valid));
  return { label: matrixLabel(valid), spec: valid, trials, ...readArms(plans, ctx, matrixLabel(valid)), ranTrials: ran, reusedTrials: plans.length - ran };
}

/**
 * The sequential form: looks at min, min + step, …, max trials per arm; after each, every arm still
 * running takes its look and stops when a boundary is crossed (or at max). The control runs as long
 * as any arm does.
 */
async function runSequentialMatrix(valid: ValidMatrixSpec, design: Required<SequentialTrials>, ctx: RunContext, options: RunMatrixOptions): Promise<MatrixResults> {
  const label = matrixLabel(valid);
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const monitors = valid.budgets.map((budget) => new ArmMonitor(armKey(valid.attack, budget), budget, { ...design, alpha, margin: options.margin ?? null }));
  const looks = monitors[0]!.plannedLooks();
  const stoppedAt = new Map<ArmMonitor, number>();
  let ran = 0;
  let planned = 0;
  let previous = 0;
  for (const [k, n] of looks.entries()) {
    const active = monitors.filter((m) => !m.record);
    if (active.length === 0) break;
    const plans = planMatrix(valid, n, { budgets: active.map((m) => m.budget), from: previous });
    planned += plans.length;
    ran += await runPlans(plans, ctx, `${label} · look ${k + 1} of ${looks.length} (${n} trials per arm, ${active.length} of ${monitors.length} poisoned arms running)`);
    const { arms } = readArms(planMatrix(valid, n, { budgets: active.map((m) => m.budget) }), ctx, label);
    const accuracies = (arm: string) => (arms.get(arm) ?? []).map((t) => t.accuracy).filter((a): a is number => a !== null);
    for (const monitor of active) {
      const record = monitor.look(accuracies(monitor.arm), accuracies(armKey(CLEAN, 0)), k === looks.length - 1);
      if (!record) continue;
      stoppedAt.set(monitor, n);
      ctx.log(`  ${monitor.arm}: stopped at ${n} trials per arm (${record.reason}; ${design.shape} boundary, adjusted p ${record.adjustedHarmP?.toPrecision(2) ?? '—'} harm, ${record.adjustedMarginP?.toPrecision(2) ?? '—'} margin)`);
    }
    previous = n;
  }
  // Each arm's trials up to its stop; the control's up to the last look taken.
  const plans = [
    ...planMatrix(valid, previous, { budgets: [] }),
    ...monitors.flatMap((m) => planMatrix(valid, stoppedAt.get(m) ?? previous, { budgets: [m.budget] }).filter((p) => p.attack !== CLEAN)),
  ];
  return {
    label,
    spec: valid,
    trials: previous,
    ...readArms(plans, ctx, label),
    ranTrials: ran,
    reusedTrials: planned - ran,
    sequential: monitors.map((m) => m.record!),
  };
}

/**
 * Runs the plans the store lacks (in worker processes when there are several), claiming each in the
 * store so that other processes on it share them (harness/run/shared-work.ts); waits for the ones
 * another process is computing. Returns how many this process (or its workers) computed.
 */
export async function runPlans(plans: readonly TrialPlan[], ctx: RunContext, label: string): Promise<number> {
  const pending = plans.filter((p) => !ctx.store.hasTrial(planIdentity(p, ctx).key));
  const workers = Math.min(ctx.workers, pending.length);
  ctx.log(
    `${label}: ${plans.length} trials (${plans.length - pending.length} stored, ${pending.length} to run${workers > 1 ? ` in ${workers} processes` : ''}) · tier ${ctx.tier.name} · ${ctx.backend.name}`,
  );
  const started = performance.now();
  let done = 0;
  const report = (plan: TrialPlan, status: string, accuracy: number | null, deltaImprovement: number | null, error: string | null) => {
    done++;
    const elapsed = performance.now() - started;
    const eta = (elapsed / done) * (pending.length - done);
    const outcome = status === 'completed' ? `acc ${accuracy?.toFixed(2)}% · ΔImp ${deltaImprovement?.toFixed(2)} pp` : `ERRORED: ${error}`;
    ctx.log(`  trial ${done} of ${pending.length} · ${plan.attack}@${plan.budget} #${plan.trialIndex} · ${outcome} · ${formatDuration(elapsed)} elapsed · ETA ${formatDuration(eta)}`);
  };
  const sharing = trialSharing(ctx);
  const computeRound = async (open: readonly TrialPlan[], since: number) => {
    const round = Math.min(ctx.workers, open.length);
    if (round > 1) {
      await runJobsInWorkers({ kind: 'trials', jobs: open, since }, ctx.config, round, (message, worker) => {
        if (message.type === 'done') report(message.plan, message.status, message.accuracy, message.deltaImprovement, message.error);
        else if (message.type === 'log') ctx.log(`  [worker ${worker}] ${message.message.trim()}`);
      });
    } else {
      const trial = async (plan: TrialPlan) => {
        const { record } = await runTrial(plan, ctx);
        report(plan, record.status, record.accuracy, record.deltaImprovement, record.error ?? null);
      };
      await computeClaimable(open, sharing, trial, { storePath: ctx.store.path, since, log: ctx.log });
    }
  };
  const describe = (plan: unknown) => {
    const p = plan as TrialPlan;
    return `trial ${p.attack}@${p.budget} #${p.trialIndex}`;
  };
  await shareJobs(pending, sharing, computeRound, { storePath: ctx.store.path, noun: (n) => `${n} ${n === 1 ? 'trial' : 'trials'}`, describe, log: ctx.log });
  return done;
}

/** The stored trials of `plans`, completed ones grouped by arm. */
function readArms(plans: readonly TrialPlan[], ctx: RunContext, label: string): Pick<MatrixResults, 'arms' | 'errored' | 'trialKeys'> {
  const arms = new Map<string, TrialRecord[]>();
  const errored: TrialRecord[] = [];
  const trialKeys: string[] = [];
  for (const plan of plans) {
    const { key } = planIdentity(plan, ctx);
    const record = ctx.store.getTrial(key);
    if (!record) throw new Error(`${label}: trial ${plan.attack}@${plan.budget} #${plan.trialIndex} (${key.slice(0, 12)}) is missing from the store after the run`);
    trialKeys.push(key);
    if (record.status === 'completed') {
      const arm = armKey(plan.attack, plan.budget);
      arms.set(arm, [...(arms.get(arm) ?? []), record]);
    } else errored.push(record);
  }
  return { arms, errored, trialKeys };
}
