/**
 * Trials per hour of one `naspoison run` from its store: completed and errored trials recorded in
 * `--store` (a fresh store per run, so none came from a cache) over the run's wall time `--seconds`
 * (measured by the caller, including a run stopped by its timeout: then the rate is of the trials it
 * finished). Prints one line and, with `--jsonl`, appends the same as JSON.
 *
 *   node node_modules/tsx/dist/cli.mjs benchmarks/gpu/run-stats.ts --store s.sqlite --seconds 93 --label smoke-webgpu-w1 [--jsonl out.jsonl]
 */
import { appendFileSync, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openStore } from '../../harness/store/index.js';

const { values } = parseArgs({
  options: {
    store: { type: 'string' },
    seconds: { type: 'string' },
    label: { type: 'string', default: 'run' },
    'exit-code': { type: 'string' },
    jsonl: { type: 'string' },
  },
});
if (values.store === undefined || values.seconds === undefined) throw new Error('run-stats: --store and --seconds are required');
const seconds = Number(values.seconds);

let completed = 0;
let errored = 0;
let trialSeconds = 0;
const errors = new Map<string, number>();
if (existsSync(values.store)) {
  const store = openStore(values.store, { readonly: true });
  try {
    for (const trial of store.listTrials()) {
      if (trial.status === 'completed') {
        completed++;
        trialSeconds += trial.durationMs / 1000;
      } else {
        errored++;
        const message = (trial.error ?? 'no message').split('\n')[0]!.slice(0, 200);
        errors.set(message, (errors.get(message) ?? 0) + 1);
      }
    }
  } finally {
    store.close();
  }
}
const perHour = seconds > 0 ? (completed * 3600) / seconds : 0;
const result = {
  label: values.label,
  exitCode: values['exit-code'] === undefined ? undefined : Number(values['exit-code']),
  wallSeconds: seconds,
  completed,
  errored,
  trialsPerHour: Number(perHour.toFixed(1)),
  meanTrialSeconds: completed > 0 ? Number((trialSeconds / completed).toFixed(1)) : undefined,
  errors: Object.fromEntries(errors),
};
const firstError = errors.size > 0 ? `; first error: ${[...errors.keys()][0]}` : '';
console.log(
  `RUN ${result.label}: exit ${result.exitCode ?? '?'}, ${seconds.toFixed(0)} s wall, ${completed} trials completed, ${errored} errored → ${result.trialsPerHour} trials/hour` +
    (result.meanTrialSeconds === undefined ? '' : ` (mean ${result.meanTrialSeconds} s per trial)`) +
    firstError,
);
if (values.jsonl !== undefined) appendFileSync(values.jsonl, `${JSON.stringify(result)}\n`);
