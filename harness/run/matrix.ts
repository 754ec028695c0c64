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

export interface MatrixSpec {
  nas: string;
  attack: string;
  budgets: readonly number[];
  defence?: string;
  /** Trials per arm; default: the tier's. */
  trials?: number;
}

/** A checked spec: defence resolved; trials undefined means the tier's count. */
export interface ValidMatrixSpec {
  nas: string;
  attack: string;
  budgets: number[];
  defence: string;
  trials: number | undefined;
}

/** The validated form of a spec (throws naming the bad part). */
export function validateMatrixSpec(spec: MatrixSpec): ValidMatrixSpec {
  nasAlgorithms.get(spec.nas);
  if (spec.attack === CLEAN) throw new Error(`attack "${CLEAN}" is the control arm, not an attack; name the attack to test`);
  attacks.get(spec.attack);
  if (!Array.isArray(spec.budgets) || spec.budgets.length === 0) throw new Error(`${spec.nas} × ${spec.attack}: budgets must list at least one poisoning fraction`);
  for (const b of spec.budgets) checkBudget(b, `${spec.nas} × ${spec.attack}`);
  if (new Set(spec.budgets).size !== spec.budgets.length) throw new Error(`${spec.nas} × ${spec.attack}: budgets list a value twice: ${spec.budgets.join(', ')}`);
  if (spec.trials !== undefined && (!Number.isInteger(spec.trials) || spec.trials < 1)) {
    throw new Error(`${spec.nas} × ${spec.attack}: trials must be a positive integer, got ${spec.trials}`);
  }
  const defence = spec.defence ?? 'none';
  if (defence !== 'none') throw new Error(`unknown defence "${defence}"; registered defences: none`);
  return { nas: spec.nas, attack: spec.attack, budgets: [...spec.budgets], defence, trials: spec.trials };
}

/** Label of a matrix, e.g. `pdarts × random-label-flip`. */
export function matrixLabel(spec: Pick<MatrixSpec, 'nas' | 'attack' | 'defence'>): string {
  return `${spec.nas} × ${spec.attack}${spec.defence && spec.defence !== 'none' ? ` + ${spec.defence}` : ''}`;
}

/** Trials of a matrix: for each trial index, the control arm then the budgets in ascending order. */
export function planMatrix(spec: ValidMatrixSpec, trials: number): TrialPlan[] {
  const arms: Array<{ attack: string; budget: number }> = [{ attack: CLEAN, budget: 0 }, ...[...spec.budgets].sort((a, b) => a - b).map((budget) => ({ attack: spec.attack, budget }))];
  const plans: TrialPlan[] = [];
  // Interleaved by trial index: an interrupted run still has every arm at similar n.
  for (let i = 0; i < trials; i++) for (const arm of arms) plans.push({ nas: spec.nas, ...arm, defence: spec.defence, trialIndex: i });
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
}

export function armKey(attack: string, budget: number): string {
  return `${attack}@${budget}`;
}

/**
 * Runs every trial of the matrix that the store does not have — in `ctx.workers` processes when
 * there is more than one trial to run — then reads all of them back and groups them by arm.
 */
export async function runMatrix(spec: MatrixSpec, ctx: RunContext): Promise<MatrixResults> {
  const valid = validateMatrixSpec(spec);
  const trials = valid.trials ?? ctx.tier.trials;
  const plans = planMatrix(valid, trials);
  const label = matrixLabel(valid);
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
  if (workers > 1) {
    await runJobsInWorkers({ kind: 'trials', jobs: pending }, ctx.options, workers, (message, worker) => {
      if (message.type === 'done') report(message.plan, message.status, message.accuracy, message.deltaImprovement, message.error);
      else if (message.type === 'log') ctx.log(`  [worker ${worker}] ${message.message.trim()}`);
    });
  } else {
    for (const plan of pending) {
      const { record } = await runTrial(plan, ctx);
      report(plan, record.status, record.accuracy, record.deltaImprovement, record.error ?? null);
    }
  }

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
  return { label, spec: valid, trials, arms, errored, trialKeys, ranTrials: pending.length, reusedTrials: plans.length - pending.length };
}
