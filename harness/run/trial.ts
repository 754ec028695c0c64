/**
 * One trial: (nas, attack, budget, defence, trial index) → poison → search on the poisoned
 * training set → retrain the found cell on clean data → clean test accuracy, ΔImp, diagnostics.
 * The clean control and every poisoned arm of trial i share its seed, so they differ only by the
 * poison. Completed trials are read back from the store, never rerun; a trial that throws is
 * stored as errored (data, not an exception out of the run loop).
 */
import { CLEAN, attacks, type PluginParams, type PoisonArtifact } from '../attacks/index.js';
import { applyPoison } from '../attacks/poison.js';
import { isPoisonRefused, type ProvenanceReport } from '../attacks/provenance.js';
import { NO_DEFENCE, checkKept, defenceEffectiveness, defences, filteredTrainingSet } from '../defences/index.js';
import type { ImageDataset } from '../data/types.js';
import { deriveSeed } from '../engine/rng.js';
import { nasAlgorithms, type Diagnostics, type SearchOutcome } from '../nas/index.js';
import type { RandomBaseline } from '../nas/random-search.js';
import { genotypeFromString } from '../space/genotype.js';
import { kendallTauB } from '../stats/kendall.js';
import { trialKey, type TrialIdentity, type TrialRecord } from '../store/index.js';
import { evaluateGenotype } from '../train/evaluate.js';
import { evaluationCacheOf } from './evaluation-cache.js';
import type { RunContext } from './context.js';
import { modelCacheOf } from './model-cache.js';
import { obtainPoison } from './poison-cache.js';
import { attackParamsOf, defenceParamsOf, nasSettingsOf, tierOrigin } from './tiers.js';

/** Root of all trial seeds; trial i of a NAS algorithm gets deriveSeed(ROOT, nas, i). */
export const TRIAL_SEED_ROOT = 20_250_514;

export interface TrialPlan {
  nas: string;
  attack: string;
  /** The spec's override of the tier's attack parameters (absent: the tier's). */
  attackParams?: PluginParams;
  budget: number;
  /** `none`, or the defended arm's label (the defence's name, or `name(k=v,…)` with overrides). */
  defence: string;
  /** The defence of a defended arm and the spec's override of its tier parameters (null: the tier's). */
  defenceSpec?: { name: string; params: PluginParams | null };
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
export function planIdentity(
  plan: TrialPlan,
  ctx: RunContext,
): { identity: TrialIdentity; key: string; params: Record<string, unknown>; defence: { name: string; params: PluginParams } | null } {
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
  const origin = tierOrigin(ctx.config.tierSource);
  const defence = plan.defence !== NO_DEFENCE ? defenceOf(plan, ctx, origin) : null;
  const params = {
    data: ctx.tier.data,
    evaluation: ctx.tier.evaluation,
    nasSettings: nasSettingsOf(ctx.tier, plan.nas, origin),
    attackParams: plan.attack === CLEAN ? null : attackParamsOf(ctx.tier, plan.attack, origin, plan.attackParams),
    randomBaselineSamples: ctx.tier.randomBaseline.samples,
    seed: trialSeed(plan),
    poisonSeed: plan.attack === CLEAN ? null : poisonSeed(plan),
    // Only on defended arms, so that the keys of undefended trials stay what they were.
    ...(defence ? { defence } : {}),
  };
  return { identity, key: trialKey(identity, params, ctx.datasetHash, ctx.backend.name), params, defence };
}

/** The defence of a defended plan and its effective parameters (throws naming an inconsistent plan). */
function defenceOf(plan: TrialPlan, ctx: RunContext, origin: string): { name: string; params: PluginParams } {
  const spec = plan.defenceSpec ?? { name: plan.defence, params: null };
  return { name: spec.name, params: defenceParamsOf(ctx.tier, spec.name, origin, spec.params ?? undefined) };
}

/** `poison.<key>` for each of the poison's diagnostics and what its provenance measured of the change. */
function poisonDiagnostics(artifact: PoisonArtifact, provenance: ProvenanceReport): Diagnostics {
  // Of the provenance, what varies between poisons (the rest — n, count, the bound — is in the params).
  const measured = {
    labelsChanged: provenance.labelsChanged,
    imagesChanged: provenance.imagesChanged,
    imageMaxLinf: provenance.imageMaxLinf,
    imageMeanL2: provenance.imageMeanL2,
  };
  const out: Diagnostics = {};
  for (const [k, v] of Object.entries({ ...measured, ...(artifact.diagnostics ?? {}) })) {
    if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[`poison.${k}`] = v;
  }
  return out;
}

/**
 * The filtering step of a defended arm: the defence sees the suspect set and returns what the
 * search may read; the trial records what it removed and how much of it was poison.
 */
async function applyDefence(
  plan: TrialPlan,
  defence: { name: string; params: PluginParams },
  suspect: ImageDataset,
  poison: PoisonArtifact | null,
  ctx: RunContext,
): Promise<{ searchSet: ImageDataset; diagnostics: Diagnostics }> {
  const plugin = defences.get(defence.name);
  const outcome = await plugin.filter(suspect, {
    // Not the NAS method's seed: every method of trial i gets the same filtered set (one model, cached).
    seed: deriveSeed(TRIAL_SEED_ROOT, 'defence', plan.defence, plan.trialIndex),
    backend: ctx.backend.name,
    params: defence.params,
    models: modelCacheOf(ctx.store),
    log: (m) => ctx.log(`    ${m}`),
    poison,
  });
  checkKept(outcome.kept, suspect.n, plan.defence);
  const e = defenceEffectiveness(outcome.kept, suspect.n, poison);
  const diagnostics: Diagnostics = {
    defenceKept: e.kept,
    defenceRemoved: e.removed,
    defencePoisonsRemoved: e.poisonsRemoved,
    defencePrecision: e.precision,
    defenceRecall: e.recall,
    defenceOracle: plugin.oracle === true,
  };
  for (const [k, v] of Object.entries(outcome.diagnostics ?? {})) diagnostics[`defence.${k}`] = v;
  return { searchSet: filteredTrainingSet(suspect, outcome.kept, plan.defence), diagnostics };
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
  const { identity, key, params, defence } = planIdentity(plan, ctx);
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
    let poison: PoisonArtifact | null = null;
    let trialDiagnostics: Diagnostics = {};
    if (plan.attack !== CLEAN) {
      const craft = {
        seed: poisonSeed(plan),
        backend: ctx.backend.name,
        params: params.attackParams ?? {},
        models: modelCacheOf(ctx.store),
        log: (m: string) => ctx.log(`    ${m}`),
      };
      // Verified (harness/attacks/provenance.ts) before it is cached or read: a refused poison throws.
      const { artifact, provenance } = await obtainPoison(ctx.store, attacks.get(plan.attack), ctx.data.train, plan.budget, craft);
      poison = artifact;
      poisonHash = artifact.hash;
      searchSet = applyPoison(ctx.data.train, artifact);
      trialDiagnostics = poisonDiagnostics(artifact, provenance);
    }
    if (defence) {
      const defended = await applyDefence(plan, defence, searchSet, poison, ctx);
      searchSet = defended.searchSet;
      trialDiagnostics = { ...trialDiagnostics, ...defended.diagnostics };
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
      diagnostics: { ...trialDiagnostics, ...outcome.diagnostics, ...panelDiagnostics(outcome, ctx.baseline), retrainMs: Math.round(evaluation.trainMs), retrainCached: evaluation.cached },
      finishedAt: new Date().toISOString(),
      durationMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    // A refused poison is not a trial outcome: nothing is stored, and the run stops with the reason.
    if (isPoisonRefused(error)) throw error;
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
