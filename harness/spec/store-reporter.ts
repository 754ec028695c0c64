/**
 * A vitest Reporter that writes every assertion of a run to the store once the run ends
 * (`onTestRunEnd`): passed, failed, skipped, or underpowered at this tier — whether a matcher ran
 * or the test threw before it, and a file that failed to load as one failed record. The matchers'
 * verdicts travel in each test's `meta`. It runs in the `naspoison run` process, which owns the
 * store; the spec processes never write assertions.
 */
import { relative } from 'node:path';
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import { openStore } from '../store/index.js';
import { RUN_ASSERTIONS_NAMESPACE, UNDERPOWERED_NOTE, type AssertionRecord, type AssertionStatus, type MatcherVerdict, type RunAssertions } from '../verdicts/index.js';

export interface StoreReporterOptions {
  storePath: string;
  runId: string;
  /** `--strict`: the matchers fail undecided assertions instead of skipping them. */
  strict: boolean;
  /** Paths are recorded relative to this folder (the project root). */
  root: string;
}

/** Whether a failed test failed only because its matchers could not decide (strict mode). */
function underpoweredUnderStrict(verdicts: readonly MatcherVerdict[], message: string): boolean {
  return verdicts.length > 0 && verdicts.every((v) => v.decided || v.verdict !== 'insufficient-data') && verdicts.some((v) => !v.decided) && message.includes(UNDERPOWERED_NOTE);
}

/** The record of one test. */
export function assertionRecord(test: TestCase, root: string): AssertionRecord {
  const result = test.result();
  const verdicts = test.meta().naspoison?.verdicts ?? [];
  const file = relative(root, test.module.moduleId);
  let status: AssertionStatus;
  let message: string;
  switch (result.state) {
    case 'passed':
      status = 'passed';
      message = verdicts.map((v) => v.text ?? v.verdict).join('\n') || 'passed';
      break;
    case 'failed':
      message = result.errors.map((e) => e.message).join('\n') || 'failed';
      // Under --strict an undecided assertion fails; it stays "underpowered" here (the run's
      // `strict` flag says it counted as a failure) so its MDE and trials needed still show.
      status = underpoweredUnderStrict(verdicts, message) ? 'underpowered' : 'failed';
      break;
    case 'skipped':
      status = result.note?.startsWith(UNDERPOWERED_NOTE) ? 'underpowered' : 'skipped';
      message = result.note ?? 'skipped';
      break;
    default:
      status = 'skipped';
      message = 'did not run';
  }
  return { file, name: test.fullName, status, message, verdicts };
}

/** Records of a test module: its tests, or one failed record when the file itself failed. */
export function moduleRecords(module: TestModule, root: string): AssertionRecord[] {
  const records = [...module.children.allTests()].map((test) => assertionRecord(test, root));
  const errors = module.errors();
  if (errors.length > 0 && records.every((r) => r.status !== 'failed')) {
    records.push({ file: relative(root, module.moduleId), name: '(file)', status: 'failed', message: errors.map((e) => e.message).join('\n'), verdicts: [] });
  }
  return records;
}

/** Writes the run's assertions to the store at the end of the run. */
export class StoreReporter implements Reporter {
  /** The records written (for the CLI's summary line). */
  records: AssertionRecord[] = [];

  constructor(private readonly options: StoreReporterOptions) {}

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    this.records = testModules.flatMap((m) => moduleRecords(m, this.options.root));
    const value: RunAssertions = { runId: this.options.runId, strict: this.options.strict, assertions: this.records };
    const store = openStore(this.options.storePath);
    try {
      store.putCached(RUN_ASSERTIONS_NAMESPACE, this.options.runId, JSON.stringify(value), { runId: this.options.runId });
    } finally {
      store.close();
    }
  }
}
