/**
 * Failures of a run that are not assertion failures: errored trials (a corrupt cached poison, a
 * data or store problem inside a trial — stored as data, retried by the next run), and errors
 * vitest reports outside tests (a spec file that cannot be imported, a matrix whose setup threw,
 * unhandled errors). `naspoison run` closes with them, so that a run that failed for one of these
 * reasons does not read as a failed assertion.
 */
import type { RunnerTask, RunnerTestFile } from 'vitest';
import type { TrialRecord } from '../store/index.js';

/** What went wrong outside the assertions of a run. */
export interface RunErrors {
  /** Trials of this run stored as errored. */
  erroredTrials: ReadonlyArray<Pick<TrialRecord, 'attack' | 'budget' | 'trialIndex' | 'nas' | 'error'>>;
  /** Errors of spec files and suites (not of tests), and unhandled errors, as "where: message". */
  specErrors: readonly string[];
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** Errors vitest recorded on files and suites (setup, collection), and its unhandled errors. */
export function specErrors(files: readonly RunnerTestFile[], unhandled: readonly unknown[]): string[] {
  const out: string[] = [];
  const visit = (task: RunnerTask, file: string): void => {
    if (task.type === 'test') return; // a test's error is the assertion's outcome, counted elsewhere
    for (const error of task.result?.errors ?? []) out.push(`${file}${task.type === 'suite' ? ` > ${task.name}` : ''}: ${firstLine(error.message)}`);
    for (const child of task.tasks) visit(child, file);
  };
  for (const file of files) visit(file, file.name);
  for (const error of unhandled) out.push(`unhandled error: ${firstLine(error instanceof Error ? error.message : String(error))}`);
  return out;
}

/**
 * The closing line for a run with {@link RunErrors}, or undefined when there were none:
 * "run error (not an assertion): 1 trial errored — random-label-flip@0.5 #0 (pdarts): cached poison … is corrupt …".
 */
export function runErrorLine(errors: RunErrors): string | undefined {
  const { erroredTrials, specErrors: spec } = errors;
  if (erroredTrials.length === 0 && spec.length === 0) return undefined;
  const parts: string[] = [];
  if (erroredTrials.length > 0) {
    const t = erroredTrials[0]!;
    parts.push(
      `${erroredTrials.length} trial${erroredTrials.length === 1 ? '' : 's'} errored — first: ${t.attack}@${t.budget} #${t.trialIndex} (${t.nas}): ${firstLine(t.error ?? 'no message')}`,
    );
  }
  if (spec.length > 0) parts.push(`${spec.length} error${spec.length === 1 ? '' : 's'} outside the assertions — first: ${spec[0]}`);
  return `run error (not an assertion): ${parts.join('; ')}`;
}
