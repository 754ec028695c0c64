/**
 * A poisoning matrix as data, and running it: the clean control arm and one arm per budget, each
 * with the tier's number of trials, in a fixed order; progress (trial i of N, elapsed, ETA) on the
 * terminal; every trial from the store when it is there.
 */
import { CLEAN, attacks, checkBudget, type PluginParams } from '../attacks/index.js';
import { NO_DEFENCE, defences as defenceRegistry } from '../defences/index.js';
import { nasAlgorithms } from '../nas/index.js';
import { canonicalJson } from '../util/canonical-json.js';
import type { TrialRecord } from '../store/index.js';
import type { RunContext } from './context.js';
import { planIdentity, runTrial, type TrialPlan } from './trial.js';
import { formatDuration } from '../util/format.js';
import { runJobsInWorkers } from './workers.js';
import { computeClaimable, shareJobs, trialSharing } from './shared-work.js';
import { ArmMonitor, checkSequentialTrials, type ArmSequentialRecord, type SequentialTrials } from './sequential.js';
import { DEFAULT_ALPHA } from '../stats/index.js';

/** A defence as a spec names it: its registry name, or the name with parameters overriding the tier's. */
export type DefenceDeclaration = string | { name: string; params?: PluginParams | null };

/** A defended arm of a matrix: its label (the name, or `name(k=v,…)` with overrides), name and overrides. */
export interface DefenceArm {
  label: string;
  name: string;
  /** Parameters overriding the tier's `defences[name]` block; null: the tier's. */
  params: PluginParams | null;
}

export interface MatrixSpec {
  nas: string;
  attack: string;
  /** Parameters overriding the tier's `attacks[attack]` block (e.g. `{ sigma: 0.2 }` to sweep σ). */
  attackParams?: PluginParams | null;
  budgets: readonly number[];
  /**
   * Defences, each adding a defended arm per budget beside the undefended one: the suspect
   * (poisoned) training set is filtered by the defence before the search reads it.
   */
  defences?: readonly DefenceDeclaration[];
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
  /** The spec's override of the tier's attack parameters; null: the tier's. */
  attackParams: PluginParams | null;
  budgets: number[];
  defences: DefenceArm[];
  trials: number | Required<SequentialTrials> | undefined;
}

/** `k=v,…` of parameters, in key order (for labels). */
function paramsLabel(params: PluginParams): string {
  const entries = params as Readonly<Record<string, unknown>>;
  return Object.keys(entries)
    .sort()
    .map((k) => `${k}=${typeof entries[k] === 'object' ? canonicalJson(entries[k]) : String(entries[k])}`)
    .join(',');
}

function checkParamsObject(value: unknown, what: string): PluginParams | null {
  if (value === undefined || value === null) return null;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what} must be an object of parameters, got ${JSON.stringify(value)}`);
  return value as PluginParams;
}

/** The defended arms of a spec's `defences` (throws naming an unknown or repeated defence). */
export function defenceArms(declared: readonly DefenceDeclaration[] | undefined, label: string): DefenceArm[] {
  if (declared === undefined) return [];
  if (!Array.isArray(declared)) throw new Error(`${label}: defences must be a list of defence names, got ${JSON.stringify(declared)}`);
  const arms = declared.map((d): DefenceArm => {
    const name = typeof d === 'string' ? d : d?.name;
    if (typeof name !== 'string') throw new Error(`${label}: a defence must be a name or { name, params }, got ${JSON.stringify(d)}`);
    if (name === NO_DEFENCE) throw new Error(`${label}: "${NO_DEFENCE}" is the undefended arm, which every matrix has; list only defences`);
    defenceRegistry.get(name);
    const params = typeof d === 'string' ? null : checkParamsObject(d.params, `${label}: params of defence ${name}`);
    return { label: params && Object.keys(params).length > 0 ? `${name}(${paramsLabel(params)})` : name, name, params: params && Object.keys(params).length > 0 ? params : null };
  });
  const labels = arms.map((a) => a.label);
  const twice = labels.find((l, i) => labels.indexOf(l) !== i);
  if (twice !== undefined) throw new Error(`${label}: defences list ${twice} twice`);
  return arms;
}

/** The validated form of a spec (throws naming the bad part). */
export function validateMatrixSpec(spec: MatrixSpec): ValidMatrixSpec {
  nasAlgorithms.get(spec.nas);
  if (spec.attack === CLEAN) throw new Error(`attack "${CLEAN}" is the control arm, not an attack; name the attack to test`);
  attacks.get(spec.attack);
  const attackParams = checkParamsObject(spec.attackParams, `${spec.nas} × ${spec.attack}: attackParams`);
  if (!Array.isArray(spec.budgets) || spec.budgets.length === 0) throw new Error(`${spec.nas} × ${spec.attack}: budgets must list at least one poisoning fraction`);
  for (const b of spec.budgets) checkBudget(b, `${spec.nas} × ${spec.attack}`);
  if (new Set(spec.budgets).size !== spec.budgets.length) throw new Error(`${spec.nas} × ${spec.attack}: budgets list a value twice: ${spec.budgets.join(', ')}`);
  const label = `${spec.nas} × ${spec.attack}`;
  let trials: ValidMatrixSpec['trials'];
  if (typeof spec.trials === 'object' && spec.trials !== null) trials = checkSequentialTrials(spec.trials, label);
  else if (spec.trials !== undefined && (!Number.isInteger(spec.trials) || spec.trials < 1)) {
    throw new Error(`${label}: trials must be a positive integer or { min, max }, got ${String(spec.trials)}`);
  } else trials = spec.trials;
  const arms = defenceArms(spec.defences, label);
  if (arms.length > 0 && typeof trials === 'object') throw new Error(`${label}: defences cannot be combined with sequential trials ({ min, max }) yet; give a fixed trial count`);
  return { nas: spec.nas, attack: spec.attack, attackParams: attackParams && Object.keys(attackParams).length > 0 ? attackParams : null, budgets: [...spec.budgets], defences: arms, trials };
}

/** Label of a matrix, e.g. `pdarts × random-label-flip`, `pdarts × gaussian-noise(sigma=0.2) + loss-sanitisation`. */
export function matrixLabel(spec: Pick<ValidMatrixSpec, 'nas' | 'attack' | 'attackParams' | 'defences'>): string {
  const attack = spec.attackParams ? `${spec.attack}(${paramsLabel(spec.attackParams)})` : spec.attack;
  return `${spec.nas} × ${attack}${spec.defences.length > 0 ? ` + ${spec.defences.map((d) => d.label).join(', ')}` : ''}`;
}

/**
 * Trials of a matrix: for each trial index, the control arm then the budgets in ascending order
 * (only `budgets`, when given; trial indices from `from`).
 */
export function planMatrix(spec: ValidMatrixSpec, trials: number, options: { budgets?: readonly number[]; from?: number } = {}): TrialPlan[] {
  const budgets = [...(options.budgets ?? spec.budgets)].sort((a, b) => a - b);
  const attack = { attack: spec.attack, ...(spec.attackParams ? { attackParams: spec.attackParams } : {}) };
  const arms: Array<Omit<TrialPlan, 'nas' | 'trialIndex'>> = [
    { attack: CLEAN, budget: 0, defence: NO_DEFENCE },
    ...budgets.map((budget) => ({ ...attack, budget, defence: NO_DEFENCE })),
    ...budgets.flatMap((budget) => spec.defences.map((d) => ({ ...attack, budget, defence: d.label, defenceSpec: { name: d.name, params: d.params } }))),
  ];
  const plans: TrialPlan[] = [];
  // Interleaved by trial index: an interrupted run still has every arm at similar n.
  for (let i = options.from ?? 0; i < trials; i++) for (const arm of arms) plans.push({ nas: spec.nas, ...arm, trialIndex: i });
  return plans;
}

export interface MatrixResults {
  label: string;
  spec: ValidMatrixSpec;
  trials: number;
  /** Completed trials per arm key (`clean@0`, `random-label-flip@0.5`, `random-label-flip@0.5+loss-sanitisation`). */
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

/** Key of an arm: `attack@budget`, with `+defence` for a defended arm. */
export function armKey(attack: string, budget: number, defence: string = NO_DEFENCE): string {
  return `${attack}@${budget}${defence === NO_DEFENCE ? '' : `+${defence}`}`;
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
    ctx.log(`  trial ${done} of ${pending.length} · ${armKey(plan.attack, plan.budget, plan.defence)} #${plan.trialIndex} · ${outcome} · ${formatDuration(elapsed)} elapsed · ETA ${formatDuration(eta)}`);
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
    return `trial ${armKey(p.attack, p.budget, p.defence)} #${p.trialIndex}`;
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
    if (!record) throw new Error(`${label}: trial ${armKey(plan.attack, plan.budget, plan.defence)} #${plan.trialIndex} (${key.slice(0, 12)}) is missing from the store after the run`);
    trialKeys.push(key);
    if (record.status === 'completed') {
      const arm = armKey(plan.attack, plan.budget, plan.defence);
      arms.set(arm, [...(arms.get(arm) ?? []), record]);
    } else errored.push(record);
  }
  return { arms, errored, trialKeys };
}
