/**
 * A vitest Reporter that writes every assertion of a run to the store once the run ends
 * (`onTestRunEnd`), so that the report counts every test of every spec file: passed; failed (a
 * matcher or a plain `expect` failed); errored (the test threw something else, or never ran because
 * its file, or a hook of its suite — the matrix's trials — failed); skipped, with the reason; or
 * underpowered at this tier. Errors outside any test (unhandled errors, a failing `afterAll`) are
 * records of their own. The matchers' verdicts travel in each test's `meta`. It runs in the
 * `naspoison run` process, which owns the store; the spec processes never write assertions.
 */
import { relative } from 'node:path';
import type { SerializedError } from 'vitest';
import type { Reporter, TestCase, TestModule, TestSuite } from 'vitest/node';
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

/** The part of a serialised test error the classification reads. */
interface ErrorLike {
  name?: unknown;
  message?: unknown;
  constructor?: unknown;
}

/**
 * Whether an error is an assertion's failure rather than a crash: vitest's `AssertionError` (plain
 * `expect`) or the error of an `expect.extend` matcher (naspoison's significance matchers), which
 * vitest serialises with its constructor's name.
 */
export function isAssertionFailure(error: ErrorLike): boolean {
  return error.name === 'AssertionError' || /\b(JestExtendError|AssertionError)\b/.test(String(error.constructor ?? ''));
}

/** `TypeError: boom` — the name is kept for errors that are not assertion failures, so a crash reads as one. */
function errorText(error: ErrorLike): string {
  const message = typeof error.message === 'string' ? error.message : String(error.message ?? '');
  return !isAssertionFailure(error) && typeof error.name === 'string' && error.name !== 'Error' ? `${error.name}: ${message}` : message;
}

/** The suites (innermost first) and the module a test sits in. */
function ancestors(test: TestCase): Array<TestSuite | TestModule> {
  const chain: Array<TestSuite | TestModule> = [];
  for (let node: TestSuite | TestModule = test.parent; ; node = node.parent) {
    chain.push(node);
    if (node.type === 'module') return chain;
  }
}

/** The first ancestor whose hooks (or, for the module, whose loading) failed, with its errors. */
function failedAncestor(test: TestCase): { where: string; errors: readonly SerializedError[] } | undefined {
  for (const node of ancestors(test)) {
    const errors = node.errors();
    if (errors.length > 0) return { where: node.type === 'module' ? 'its spec file' : `suite "${node.fullName}"`, errors };
  }
  return undefined;
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
    case 'failed': {
      const errors = result.errors;
      message = errors.map(errorText).join('\n') || 'failed';
      // Under --strict an undecided assertion fails; it stays "underpowered" here (the run's
      // `strict` flag says it counted as a failure) so its MDE and trials needed still show.
      if (underpoweredUnderStrict(verdicts, message)) status = 'underpowered';
      else status = errors.length > 0 && errors.every(isAssertionFailure) ? 'failed' : 'errored';
      break;
    }
    case 'skipped': {
      // vitest shows a test whose suite's beforeAll (the matrix's trials) threw as skipped; it is
      // an error of the run, not a skip, and must count as one.
      const broken = failedAncestor(test);
      if (result.note?.startsWith(UNDERPOWERED_NOTE)) {
        status = 'underpowered';
        message = result.note;
      } else if (broken) {
        status = 'errored';
        message = `did not run: ${broken.where} failed: ${broken.errors.map(errorText).join('\n')}`;
      } else {
        status = 'skipped';
        message = result.note ?? (test.options.mode === 'todo' ? 'todo' : test.options.mode === 'skip' ? 'skipped in the spec file' : 'skipped');
      }
      break;
    }
    default:
      status = 'skipped';
      message = 'did not run';
  }
  return { file, name: test.fullName, status, message, verdicts };
}

/**
 * Records of a test module: its tests, plus one errored record for the file when it failed to load
 * or a file-level hook failed, and one per suite whose hooks failed without any of its tests
 * showing it (a failing `afterAll` after its tests passed).
 */
export function moduleRecords(module: TestModule, root: string): AssertionRecord[] {
  const file = relative(root, module.moduleId);
  const records = [...module.children.allTests()].map((test) => assertionRecord(test, root));
  const errored = (errors: readonly SerializedError[]) => errors.map(errorText).join('\n');
  for (const suite of module.children.allSuites()) {
    const errors = suite.errors();
    if (errors.length === 0) continue;
    const shown = [...suite.children.allTests()].some((t) => t.result().state === 'skipped' && failedAncestor(t) !== undefined);
    if (!shown) records.push({ file, name: `${suite.fullName} (suite hook)`, status: 'errored', message: errored(errors), verdicts: [] });
  }
  const errors = module.errors();
  if (errors.length > 0 && !records.some((r) => r.status === 'errored' && r.message.startsWith('did not run: its spec file failed'))) {
    records.push({ file, name: '(file)', status: 'errored', message: errored(errors), verdicts: [] });
  }
  return records;
}

/** Records of errors vitest caught outside any test (an unhandled rejection in a spec process, say). */
export function unhandledRecords(errors: ReadonlyArray<ErrorLike>): AssertionRecord[] {
  return errors.map((error) => ({ file: '(run)', name: 'unhandled error', status: 'errored', message: errorText(error) || 'unknown error', verdicts: [] }));
}

/** Writes the run's assertions to the store at the end of the run. */
export class StoreReporter implements Reporter {
  /** The records written (for the CLI's summary line). */
  records: AssertionRecord[] = [];

  constructor(private readonly options: StoreReporterOptions) {}

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    this.records = [...testModules.flatMap((m) => moduleRecords(m, this.options.root)), ...unhandledRecords(unhandledErrors)];
    const value: RunAssertions = { runId: this.options.runId, strict: this.options.strict, assertions: this.records };
    const store = openStore(this.options.storePath);
    try {
      store.putCached(RUN_ASSERTIONS_NAMESPACE, this.options.runId, JSON.stringify(value), { runId: this.options.runId });
    } finally {
      store.close();
    }
  }
}
