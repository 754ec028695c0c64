/**
 * `naspoison run`: runs the bench project's spec files through vitest (trials from the store when
 * they exist), then writes the run's report. Exit code 1 when an assertion fails: the CI gate.
 */
import { RUN_HELP } from './help.js';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend, resolveBackendChoice } from '../engine/backend.js';
import { environmentFingerprint, openStore, recordRunStart } from '../store/index.js';
import { buildRunConfig, encodeRunConfig, newRunId, RUN_CONFIG_ENV, tierArgument } from '../run/config.js';
import { importPluginModules, pluginModulesBeside, resolvePluginModule } from '../run/plugins.js';
import { loadTierData } from '../run/tier-data.js';
import { loadTier } from '../run/tiers.js';
import { removeStaleWorkerFolders } from '../run/workers.js';
import { runErrorLine, specErrors } from './run-errors.js';
import { selectSpecFiles } from './spec-files.js';
import { parseShard, shardLabel } from '../run/shard.js';
import { writeRunReport } from './report-command.js';
import { RUN_MATRIX_NAMESPACE, type MatrixEntry } from '../report/from-store.js';
import { formatDuration, style, UsageError, userInput } from './terminal.js';
import { StoreReporter } from '../spec/store-reporter.js';
import { collectDeclaredMatrices } from '../spec/collect.js';
import { underpoweredText } from '../report/render.js';
import type { AssertionRecord } from '../verdicts/index.js';
import type { TrialRecord } from '../store/index.js';


/** "3 passed, 0 failed, 1 errored, 2 underpowered at this tier" in the run's colours. */
function assertionSummary(records: readonly AssertionRecord[], exitCode: number, strict: boolean): string {
  const count = (s: AssertionRecord['status']) => records.filter((r) => r.status === s).length;
  const parts = [`${count('passed')} passed`, `${count('failed')} failed`];
  if (count('errored') > 0) parts.push(`${count('errored')} errored`);
  if (count('underpowered') > 0) {
    parts.push(`${count('underpowered')} underpowered at this tier (${strict ? 'counted as failures: --strict' : 'rerun at a larger tier, or --strict to fail them'})`);
  }
  if (count('skipped') > 0) parts.push(`${count('skipped')} skipped`);
  const text = `assertions: ${parts.join(', ')}${strict && count('underpowered') === 0 ? ' (--strict)' : ''}`;
  const paint = exitCode !== 0 ? style.red : count('underpowered') > 0 ? style.yellow : style.green;
  return [...records.filter((r) => r.status === 'underpowered').map(underpoweredLine), paint(text, process.stderr)].join('\n');
}

/** "↓ name — accuracy: only a shift ≥ 5.1 pp detectable at n = 3; about 53 trials per arm would decide it at δ = 1 pp" (the report's wording). */
function underpoweredLine(r: AssertionRecord): string {
  const why = r.verdicts.filter((v) => !v.decided).map(underpoweredText).join(' · ');
  return style.yellow(`  ↓ underpowered: ${r.name} — ${why}`, process.stderr);
}

/**
 * The trials of this run's matrices that are stored as errored — by this run or, when it retried
 * and failed again, by the run that first stored the error (an errored row is only ever replaced by
 * a completed one). Empty when the store cannot be read.
 */
function erroredTrialsOf(storePath: string, runId: string): TrialRecord[] {
  try {
    const store = openStore(storePath, { readonly: true, create: false, integrityCheck: 'none' });
    try {
      const keys = store
        .listCached(RUN_MATRIX_NAMESPACE)
        .map((e) => JSON.parse(e.valueJson) as Partial<MatrixEntry>)
        .filter((m) => m.runId === runId)
        .flatMap((m) => m.trialKeys ?? []);
      return [...new Set(keys)].map((key) => store.getTrial(key)).filter((t): t is TrialRecord => t?.status === 'errored');
    } finally {
      store.close();
    }
  } catch {
    return [];
  }
}

/**
 * The collection pass (harness/spec/collect.ts: every selected spec file's `describe` bodies, no
 * hook, no training): a spec file that declares what cannot run is a usage error.
 */
async function refuseBadDeclarations(filters: readonly string[]): Promise<void> {
  const collection = await collectDeclaredMatrices(filters);
  if (collection.errors.length > 0) {
    throw new UsageError(`${collection.errors.length === 1 ? 'a spec file declares' : `${collection.errors.length} spec files declare`} what cannot run; nothing was recorded or started:\n  ${collection.errors.join('\n  ')}`);
  }
}

export async function runCommand(argv: string[]): Promise<number> {
  // NO_COLOR wins over FORCE_COLOR here anyway (terminal.ts); with both set, Node warns in every
  // process that asks for colours — vitest's among them — before the run's own first line.
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') delete process.env.FORCE_COLOR;
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      tier: { type: 'string' },
      backend: { type: 'string' },
      store: { type: 'string' },
      'data-dir': { type: 'string' },
      fixture: { type: 'boolean', default: false },
      out: { type: 'string', default: 'reports' },
      'run-id': { type: 'string' },
      'no-report': { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      shard: { type: 'string' },
      plugin: { type: 'string', multiple: true },
      all: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  // Usage errors (exit 2) are found here, before anything is recorded or started: the shard, the
  // run id, the spec filters (each must select a spec file), the plugin paths, then — once the
  // plugins are loaded, so that their tier blocks are checked too — the tier, the backend name and
  // NASPOISON_WORKERS.
  const shard = values.shard === undefined ? undefined : userInput(() => parseShard(values.shard!));
  if (shard && values.strict) throw new UsageError('--strict applies to verdicts, which a shard does not compute; give it to the run over the merged store');
  // Shards of one run start together on n machines: their default ids must differ, or merging would find them in conflict.
  const runId = values['run-id'] ?? (shard ? `${newRunId()}-shard-${shard.index}of${shard.count}` : newRunId());
  if (!/^[A-Za-z0-9._-]+$/.test(runId)) throw new UsageError(`--run-id "${runId}" may use letters, digits, '.', '_' and '-' only`);
  // Without filters a tier may name a documented subset (the smoke tier, to keep to its time
  // target); --all runs every spec file. The subset's filters then stand for the user's.
  const defaultSpecs = positionals.length === 0 && !values.all ? userInput(() => loadTier(tierArgument(values.tier)).defaultSpecs) : undefined;
  const { filters, files: specFiles, subset } = userInput(() => selectSpecFiles({ filters: positionals, all: values.all, ...(defaultSpecs ? { defaultSpecs } : {}) }));
  // The run's plugin modules: each --plugin, and every *.plugin.ts beside a selected spec file.
  const named = userInput(() => (values.plugin ?? []).map((p) => resolvePluginModule(p)));
  const plugins = [...new Set([...named, ...specFiles.flatMap((f) => pluginModulesBeside(f))])];
  await importPluginModules(plugins);
  const backendChoice = userInput(() => resolveBackendChoice(values.backend));
  const configured = userInput(() =>
    buildRunConfig({
      tier: tierArgument(values.tier),
      backend: backendChoice,
      storePath: values.store,
      dataDir: values['data-dir'] ?? null,
      fixtureOnly: values.fixture,
      runId,
      strict: values.strict,
      plugins,
    }),
  );
  const { tier, storePath } = configured;
  // What kill -9 left of earlier runs: worker folders whose owner process is gone.
  removeStaleWorkerFolders();
  // Runtime problems (exit 1) that can be seen before the run, too: the backend and the data files
  // (the spec processes load them again; a bad file fails here, naming it, instead of in every
  // spec file). The backend is resolved here ("auto" → the one that loads) and pinned in the
  // configuration, so the run records the backend that actually ran.
  const backend = await initBackend(backendChoice);
  const config = { ...configured, backend: backend.name };
  loadTierData(tier.data, { ...(config.dataDir !== null ? { dataDir: config.dataDir } : {}), ...(config.fixtureOnly ? { fixtureOnly: true } : {}) });
  // The one run configuration, handed to the spec processes (harness/run/config.ts); they hand it
  // to their trial workers.
  process.env[RUN_CONFIG_ENV] = encodeRunConfig(config);
  // The spec files are input too: a matrix with an unknown attack or defence, a budget of 1.5 or
  // σ ≤ 0 in its parameters is refused here (exit 2), naming the file, before anything is recorded
  // or trained. A shard does its own collection pass (it plans every trial from it).
  if (!shard) await refuseBadDeclarations(filters);
  const store = openStore(storePath);
  try {
    if (store.getRun(runId)) throw new UsageError(`run id "${runId}" is already in ${storePath}; choose another --run-id`);
    recordRunStart(store, {
      runId,
      startedAt: new Date().toISOString(),
      tier: tier.name,
      command: ['naspoison', 'run', ...argv].join(' '),
      specFiles: filters.length > 0 ? specFiles : ['benchmarks/**/*.spec.ts'],
      environment: environmentFingerprint({ name: backend.name }, tf.version.tfjs),
      codeVersion: config.codeVersion,
    });
  } finally {
    store.close();
  }

  process.stderr.write(`${style.bold('naspoison run', process.stderr)} ${runId} · tier ${tier.name} · store ${storePath}${shard ? ` · shard ${shardLabel(shard)}` : ''}\n`);
  if (subset) {
    process.stderr.write(
      style.yellow(`tier ${tier.name} runs its default subset: ${specFiles.length} of ${subset.of} spec files (${specFiles.join(', ')}). ${subset.why}\n`, process.stderr),
    );
  }
  if (shard) {
    const planArguments = [
      '--tier',
      config.tierSource,
      '--backend',
      backend.name,
      ...(config.fixtureOnly ? ['--fixture'] : []),
      ...(config.dataDir !== null ? ['--data-dir', config.dataDir] : []),
      ...named.flatMap((p) => ['--plugin', p]),
      ...filters,
    ];
    const { runShard } = await import('./shard-run.js');
    return await runShard({ shard, config, filters, planArguments });
  }
  const started = performance.now();
  let exitCode = 1;
  let ranFiles = 0;
  let errorsOutsideTests: string[] = [];
  const reporter = new StoreReporter({ storePath, runId, strict: values.strict, root: process.cwd() });
  try {
    const { startVitest } = await import('vitest/node');
    const vitest = await startVitest('test', filters, { project: ['bench'], run: true, watch: false, reporters: ['default', reporter] });
    const files = vitest.state.getFiles();
    ranFiles = files.length;
    const failed = vitest.state.getCountOfFailedTests() > 0 || vitest.state.getUnhandledErrors().length > 0 || files.some((f) => f.result?.state === 'fail');
    errorsOutsideTests = specErrors(files, vitest.state.getUnhandledErrors());
    await vitest.close();
    exitCode = failed || files.length === 0 ? 1 : 0;
    if (files.length === 0) process.stderr.write(style.red(`no spec file matched ${filters.join(' ') || 'benchmarks/**/*.spec.ts'}\n`, process.stderr));
  } finally {
    // The run is marked finished whatever happened, with the exit code it ends with.
    const finish = openStore(storePath);
    finish.finishRun(runId, new Date().toISOString(), exitCode);
    finish.close();
  }
  if (!values['no-report'] && ranFiles > 0) {
    try {
      const written = writeRunReport(storePath, runId, resolve(values.out, runId));
      process.stdout.write(`report: ${written.markdown}\n        ${written.html}\n`);
    } catch (error) {
      process.stderr.write(style.red(`report not written: ${(error as Error).message}\n`, process.stderr));
    }
  }
  process.stderr.write(`${assertionSummary(reporter.records, exitCode, values.strict)} · ${formatDuration(performance.now() - started)}\n`);
  // A run that failed for errored trials or spec errors closes with them, not with the assertion count.
  const errorLine = runErrorLine({ erroredTrials: erroredTrialsOf(storePath, runId), specErrors: errorsOutsideTests });
  if (errorLine !== undefined) process.stderr.write(`${style.red(errorLine, process.stderr)}\n`);
  process.exitCode = 0; // vitest sets it; our return value is the exit code
  return exitCode;
}
