/**
 * What every trial of a process shares: the tier, its data, the backend, the store, the random
 * baseline, the environment fingerprint and the code version. Built once per process (lazily, by
 * the first matrix) from the run configuration (harness/run/config.ts): the one the CLI handed
 * down, or one built from the options given.
 */
import * as tf from '@tensorflow/tfjs';
import { datasetContentHash, type DatasetPair } from '../data/types.js';
import { initBackend, resolveBackendChoice, type ActiveBackend } from '../engine/backend.js';
import { baselineSamples, randomBaseline, type RandomBaseline } from '../nas/random-search.js';
import { environmentFingerprint, openStore, type EnvironmentFingerprint, type TrialStore } from '../store/index.js';
import { genotypeFromString, genotypeToString } from '../space/genotype.js';
import { evaluateGenotype, evaluationKey, type EvaluationProtocol } from '../train/evaluate.js';
import { ambientRunConfig, buildRunConfig, newRunId, type RunConfig, type RunConfigInputs } from './config.js';
import { evaluationCacheOf } from './evaluation-cache.js';
import { importedPluginModules } from './plugins.js';
import { loadTierData } from './tier-data.js';
import type { Tier } from './tiers.js';
import { runJobsInWorkers, type EvaluationJob } from './workers.js';
import { computeClaimable, evaluationSharing, shareJobs } from './shared-work.js';
import { DEFAULT_STORE_PATH } from './defaults.js';

export { DEFAULT_STORE_PATH, newRunId };

export interface RunContext {
  runId: string;
  /** The configuration the context was built from (worker processes rebuild it from this). */
  config: RunConfig;
  /** Processes that run trials in parallel (1: in this process). */
  workers: number;
  tier: Tier;
  data: DatasetPair;
  datasetHash: string;
  backend: ActiveBackend;
  store: TrialStore;
  protocol: EvaluationProtocol;
  baseline: RandomBaseline;
  environment: EnvironmentFingerprint;
  codeVersion: string;
  log(message: string): void;
}

/**
 * How to build a context: a whole configuration, or inputs that refine this process's handed-down
 * one (or, without one, build one from the environment inputs).
 */
export interface RunContextOptions extends RunConfigInputs {
  /** Use exactly this configuration (the other inputs are then ignored). */
  config?: RunConfig;
  /** Do not log the random baseline's progress (worker processes). */
  quiet?: boolean;
  log?: (message: string) => void;
}

/** The configuration `options` describe. */
export function configOf(options: RunContextOptions = {}): RunConfig {
  if (options.config) return options.config;
  const { quiet: _quiet, log: _log, config: _config, ...inputs } = options;
  const given = Object.values(inputs).some((v) => v !== undefined);
  return given ? buildRunConfig(inputs, options.tier === undefined ? ambientRunConfig() : undefined) : ambientRunConfig();
}

/** Everything a context has but the random baseline. */
export type PreparedRun = Omit<RunContext, 'baseline'>;

/** Loads the tier, backend, data and store (no training). */
export async function prepareRun(options: RunContextOptions = {}): Promise<PreparedRun> {
  // Workers import what this process imported: the configuration's plugin modules and those the
  // bench setup found beside the spec file.
  const given = configOf(options);
  const config: RunConfig = { ...given, plugins: [...new Set([...given.plugins, ...importedPluginModules()])] };
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const { tier } = config;
  const backend = await initBackend(resolveBackendChoice(config.backend));
  const data = loadTierData(tier.data, { ...(config.dataDir !== null ? { dataDir: config.dataDir } : {}), ...(config.fixtureOnly ? { fixtureOnly: true } : {}) });
  const store = openStore(config.storePath);
  return {
    runId: config.runId,
    config,
    workers: config.workers,
    tier,
    data,
    datasetHash: `${datasetContentHash(data.train)}:${datasetContentHash(data.test)}`,
    backend,
    store,
    protocol: { recipe: tier.evaluation.recipe, network: tier.evaluation.network },
    environment: environmentFingerprint({ name: backend.name }, tf.version.tfjs),
    codeVersion: config.codeVersion,
    log,
  };
}

/**
 * Builds a context (see {@link configOf} for what `options` may give). The random baseline's
 * architectures are trained in worker processes when there are several to train and several
 * workers (then read back from the cache here), else in this process — each claimed in the store first, so another
 * run on the same store trains the others meanwhile instead of training them twice, and this one
 * waits for those (harness/run/shared-work.ts).
 */
export async function createRunContext(options: RunContextOptions = {}): Promise<RunContext> {
  const run = await prepareRun(options);
  const { tier, data, protocol, backend, store, log } = run;
  const quiet = options.quiet ?? false;
  const cache = evaluationCacheOf(store);
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)}s`;
  const missing = baselineSamples(tier.randomBaseline.samples)
    .map((sample, index) => ({ ...sample, index }))
    .filter((s) => cache.get(evaluationKey(s.genotype, data, protocol, s.seed, backend.name)) === undefined)
    .map((s) => ({ index: s.index, genotype: genotypeToString(s.genotype), seed: s.seed }));
  // Worker processes (quiet) find the baseline in the cache: their parent built its context first.
  if (!quiet && missing.length > 0) {
    const sharing = evaluationSharing(run);
    let done = 0;
    const progress = (accuracy: number) => log(`random baseline ${++done}/${missing.length}: ${accuracy.toFixed(2)}% · ${elapsed()}`);
    await shareJobs(
      missing,
      sharing,
      async (open, since) => {
        const workers = Math.min(run.workers, open.length);
        if (workers > 1) {
          log(`random baseline: training ${open.length} of ${tier.randomBaseline.samples} architectures in ${workers} processes`);
          await runJobsInWorkers({ kind: 'evaluations', jobs: open, since }, run.config, workers, (message) => {
            if (message.type === 'evaluation-done') progress(message.accuracy);
          });
        } else {
          const train = async (job: EvaluationJob) => progress((await evaluateGenotype(genotypeFromString(job.genotype), data, protocol, { seed: job.seed, backend: backend.name, cache })).accuracy);
          await computeClaimable(open, sharing, train, { storePath: store.path, since, log });
        }
      },
      { storePath: store.path, noun: (n) => `${n} random-baseline ${n === 1 ? 'architecture' : 'architectures'}`, describe: (job) => `random baseline architecture ${(job as EvaluationJob).index + 1}`, log },
    );
  }
  const baseline = await randomBaseline(tier.randomBaseline.samples, data, protocol, {
    backend: backend.name,
    cache,
    onSample: (i, e) => {
      if (!quiet && !e.cached) log(`random baseline ${i + 1}/${tier.randomBaseline.samples}: ${e.accuracy.toFixed(2)}% · ${elapsed()}`);
    },
  });
  if (!quiet) log(`random baseline: ${baseline.mean.toFixed(2)}% ± ${baseline.sd.toFixed(2)} over ${baseline.samples} architectures`);
  return { ...run, baseline };
}


let shared: Promise<RunContext> | undefined;

/** The process-wide context (created on first use, from this process's configuration). */
export function sharedRunContext(): Promise<RunContext> {
  shared ??= createRunContext();
  return shared;
}
