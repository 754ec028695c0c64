/**
 * One trial: (nas, attack, budget, defence, trial index) → poison → search on the poisoned
 * training set → retrain the found cell on clean data → clean test accuracy, ΔImp, diagnostics.
 * The clean control and every poisoned arm of trial i share its seed, so they differ only by the
 * poison. Completed trials are read back from the store, never rerun; a trial that throws is
 * stored as errored (data, not an exception out of the run loop).
 */
import { CLEAN, attacks } from '../attacks/index.js';
import { applyPoison } from '../attacks/poison.js';
import { deriveSeed } from '../engine/rng.js';
import { nasAlgorithms, type Diagnostics, type SearchOutcome } from '../nas/index.js';
import type { RandomBaseline } from '../nas/random-search.js';
import { genotypeFromString } from '../space/genotype.js';
import { kendallTauB } from '../stats/kendall.js';
import { trialKey, type TrialIdentity, type TrialRecord } from '../store/index.js';
import { evaluateGenotype } from '../train/evaluate.js';
import { evaluationCacheOf } from './evaluation-cache.js';
import type { RunContext } from './context.js';
import { obtainPoison } from './poison-cache.js';
import { nasSettingsOf, tierOrigin } from './tiers.js';

/** Root of all trial seeds; trial i of a NAS algorithm gets deriveSeed(ROOT, nas, i). */
export const TRIAL_SEED_ROOT = 20_250_514;

export interface TrialPlan {
  nas: string;
  attack: string;
  budget: number;
  defence: string;
  trialIndex: number;
}

export function trialSeed(plan: Pick<TrialPlan, 'nas' | 'trialIndex'>): number {
  return deriveSeed(TRIAL_SEED_ROOT, 'trial', plan.nas, plan.trialIndex);
}

/**
 * Seed of the poison of trial i: the same for every NAS algorithm, so all methods search on the
 * same poisoned sets (paired comparisons across methods; one crafted poison serves them all).
 */
export function poisonSeed(plan: Pick<TrialPlan, 'attack' | 'trialIndex'>): number {
  return deriveSeed(TRIAL_SEED_ROOT, 'poison', plan.attack, plan.trialIndex);
}

/** The identity and key of a planned trial (what the store indexes it by). */
export function planIdentity(plan: TrialPlan, ctx: RunContext): { identity: TrialIdentity; key: string; params: Record<string, unknown> } {
  const identity: TrialIdentity = {
    // Arms that share seeds form one group: every attack's matrix reuses the same clean control.
    matrix: plan.nas,
    nas: plan.nas,
    attack: plan.attack,
    budget: plan.budget,
    defence: plan.defence,
    trialIndex: plan.trialIndex,
    tier: ctx.tier.name,
  };
  // Only what determines this trial's numbers: changing the trial count, the description or
  // another algorithm's settings must not invalidate stored trials.
  const params = {
    data: ctx.tier.data,
    evaluation: ctx.tier.evaluation,
    nasSettings: nasSettingsOf(ctx.tier, plan.nas, tierOrigin(ctx.config.tierSource)),
    attackParams: plan.attack === CLEAN ? null : attacks.get(plan.attack).params,
    randomBaselineSamples: ctx.tier.randomBaseline.samples,
    seed: trialSeed(plan),
    poisonSeed: plan.attack === CLEAN ? null : poisonSeed(plan),
  };
  return { identity, key: trialKey(identity, params, ctx.datasetHash, ctx.backend.name), params };
}

/**
 * `panelRankCorrelation`: Kendall's τ-b between the method's scores of the panel cells (the random
 * baseline's sample) and their clean accuracies — how well its selection signal ranks cells by
 * clean accuracy. Empty when the method gives no panel scores; null when τ is undefined (a
 * constant signal).
 */
export function panelDiagnostics(outcome: SearchOutcome, baseline: Pick<RandomBaseline, 'evaluations'>): Diagnostics {
  if (outcome.panelScores === undefined) return {};
  const accuracies = baseline.evaluations.map((e) => e.accuracy);
  if (outcome.panelScores.length !== accuracies.length) {
    throw new Error(`the search gave ${outcome.panelScores.length} panel scores for a panel of ${accuracies.length} cells`);
  }
  const tau = kendallTauB([...outcome.panelScores], accuracies);
  return { panelRankCorrelation: Number.isFinite(tau) ? tau : null };
}

/** Runs (or reads back) one trial. */
export async function runTrial(plan: TrialPlan, ctx: RunContext): Promise<{ record: TrialRecord; reused: boolean }> {
  const { identity, key, params } = planIdentity(plan, ctx);
  const existing = ctx.store.getTrial(key);
  if (existing && existing.status === 'completed') return { record: existing, reused: true };

  const seed = trialSeed(plan);
  const startedAt = new Date();
  const started = performance.now();
  const base = {
    ...identity,
    trialKey: key,
    seed,
    dataset: ctx.data.train.name,
    datasetHash: ctx.datasetHash,
    params,
    environment: ctx.environment,
    codeVersion: ctx.codeVersion,
    runId: ctx.runId,
    startedAt: startedAt.toISOString(),
  };
  let record: TrialRecord;
  try {
    const nas = nasAlgorithms.get(plan.nas);
    let searchSet = ctx.data.train;
    let poisonHash: string | null = null;
    if (plan.attack !== CLEAN) {
      const { artifact } = await obtainPoison(ctx.store, attacks.get(plan.attack), ctx.data.train, plan.budget, {
        seed: poisonSeed(plan),
        backend: ctx.backend.name,
      });
      poisonHash = artifact.hash;
      searchSet = applyPoison(ctx.data.train, artifact);
    }
    const outcome = await nas.search({
      train: searchSet,
      settings: params.nasSettings,
      seed: deriveSeed(seed, 'search'),
      log: (m) => ctx.log(`    ${m}`),
      panel: ctx.baseline.evaluations.map((e) => genotypeFromString(e.genotype)),
    });
    const evaluation = await evaluateGenotype(outcome.genotype, ctx.data, ctx.protocol, {
      seed: deriveSeed(seed, 'retrain'),
      backend: ctx.backend.name,
      cache: evaluationCacheOf(ctx.store),
    });
    record = {
      ...base,
      status: 'completed',
      poisonHash,
      genotype: evaluation.genotype,
      canonicalGenotype: evaluation.canonical,
      accuracy: evaluation.accuracy,
      randomBaselineMean: ctx.baseline.mean,
      deltaImprovement: evaluation.accuracy - ctx.baseline.mean,
      diagnostics: { ...outcome.diagnostics, ...panelDiagnostics(outcome, ctx.baseline), retrainMs: Math.round(evaluation.trainMs), retrainCached: evaluation.cached },
      finishedAt: new Date().toISOString(),
      durationMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    record = {
      ...base,
      status: 'errored',
      error: (error as Error).message,
      poisonHash: null,
      genotype: null,
      canonicalGenotype: null,
      accuracy: null,
      randomBaselineMean: ctx.baseline.mean,
      deltaImprovement: null,
      diagnostics: {},
      finishedAt: new Date().toISOString(),
      durationMs: Math.round(performance.now() - started),
    };
  }
  ctx.store.putTrial(record);
  return { record, reused: false };
}
