/**
 * A worker process of a parallel run: runs the trials, or trains the (genotype, seed) evaluations —
 * random-baseline or calibration architectures — it is given and can claim in the store (each
 * result is written to the shared store as it completes; jobs another process holds are left to
 * it) and reports what it computed on stdout, one JSON message per line. Started by
 * {@link runJobsInWorkers}; argv[2] is a JSON file with { kind, jobs, since, config }: the run
 * configuration (harness/run/config.ts), whose plugin modules it imports before anything else, so
 * that the NAS methods and attacks a run's plugins register are known here too.
 */
import { readFileSync } from 'node:fs';
import { parseRunConfig } from './config.js';
import { createRunContext, prepareRun } from './context.js';
import { importPluginModules } from './plugins.js';
import { runTrial, type TrialPlan } from './trial.js';
import type { EvaluationJob, WorkerMessage } from './workers.js';
import { evaluationCacheOf } from './evaluation-cache.js';
import { evaluateGenotype } from '../train/evaluate.js';
import { genotypeFromString } from '../space/index.js';
import { computeClaimable, evaluationSharing, trialSharing } from './shared-work.js';

const emit = (message: WorkerMessage) => process.stdout.write(`${JSON.stringify(message)}\n`);

// The parent holds our stdin open; when it dies, stop. A trial in flight is lost whole (it is
// stored in one transaction at its end) and reruns on resume.
process.stdin.on('close', () => process.exit(130));
process.stdin.resume();

const jobFile = process.argv[2]!;
const work = JSON.parse(readFileSync(jobFile, 'utf8')) as
  | { kind: 'trials'; jobs: TrialPlan[]; since: number; config: unknown }
  | { kind: 'evaluations'; jobs: EvaluationJob[]; since: number; config: unknown };
const log = (message: string) => emit({ type: 'log', message });
try {
  const config = parseRunConfig(JSON.stringify(work.config), `the run configuration in ${jobFile}`);
  await importPluginModules(config.plugins);
  if (work.kind === 'evaluations') {
    const run = await prepareRun({ config, quiet: true, log });
    const cache = evaluationCacheOf(run.store);
    const train = async (job: EvaluationJob) => {
      const e = await evaluateGenotype(genotypeFromString(job.genotype), run.data, run.protocol, { seed: job.seed, backend: run.backend.name, cache });
      emit({ type: 'evaluation-done', index: job.index, accuracy: e.accuracy, cached: e.cached });
    };
    await computeClaimable(work.jobs, evaluationSharing(run), train, { storePath: run.store.path, since: work.since, log });
    run.store.close();
  } else {
    // The baseline is in the cache by now (the parent trained it first), so this trains nothing.
    const ctx = await createRunContext({ config, quiet: true, log });
    const trial = async (plan: TrialPlan) => {
      const { record } = await runTrial(plan, ctx);
      emit({ type: 'done', plan, trialKey: record.trialKey, status: record.status, accuracy: record.accuracy, deltaImprovement: record.deltaImprovement, error: record.error ?? null });
    };
    await computeClaimable(work.jobs, trialSharing(ctx), trial, { storePath: ctx.store.path, since: work.since, log });
    ctx.store.close();
  }
  process.exit(0);
} catch (error) {
  emit({ type: 'fatal', error: (error as Error).message });
  process.exit(1);
}
