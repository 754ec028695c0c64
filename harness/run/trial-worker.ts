/**
 * A worker process of a parallel matrix run: runs the trials it is given (each is written to the
 * shared store as it completes) and reports on stdout, one JSON message per line.
 * Started by {@link runPlansInWorkers}; argv[2] is a JSON file with { plans, options }.
 */
import { readFileSync } from 'node:fs';
import { createRunContext, type RunContextOptions } from './context.js';
import { runTrial, type TrialPlan } from './trial.js';
import type { WorkerMessage } from './workers.js';

const emit = (message: WorkerMessage) => process.stdout.write(`${JSON.stringify(message)}\n`);

// The parent holds our stdin open; when it dies, stop. A trial in flight is lost whole (it is
// stored in one transaction at its end) and reruns on resume.
process.stdin.on('close', () => process.exit(130));
process.stdin.resume();

const { plans, options } = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as { plans: TrialPlan[]; options: RunContextOptions };
try {
  const ctx = await createRunContext({ ...options, quiet: true, log: (message) => emit({ type: 'log', message }) });
  for (const plan of plans) {
    const { record } = await runTrial(plan, ctx);
    emit({ type: 'done', plan, trialKey: record.trialKey, status: record.status, accuracy: record.accuracy, deltaImprovement: record.deltaImprovement, error: record.error ?? null });
  }
  ctx.store.close();
  process.exit(0);
} catch (error) {
  emit({ type: 'fatal', error: (error as Error).message });
  process.exit(1);
}
