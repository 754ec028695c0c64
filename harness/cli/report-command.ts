/** `naspoison report`: (re)writes a run's report from the store. */
import { REPORT_HELP } from './help.js';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderReport, type RenderedReport } from '../report/index.js';
import { reportableRunIds, runResultsFromStore } from '../report/from-store.js';
import { openStore, runState, type RunState, type TrialStore } from '../store/index.js';
import { DEFAULT_STORE_PATH } from '../run/defaults.js';
import { UsageError } from './terminal.js';


/** Builds and writes the report of one run; returns the written paths. */
export function writeRunReport(storePath: string, runId: string, outDir: string, title?: string): RenderedReport {
  const store = openStore(storePath, { readonly: true, create: false });
  try {
    return renderReport(runResultsFromStore(store, runId, title !== undefined ? { title } : {}), outDir);
  } finally {
    store.close();
  }
}

/** "finished · exit 0", "running (pid 123)", "interrupted (process 123 on host is gone)"… */
function describeState(state: RunState): string {
  switch (state.state) {
    case 'finished':
      return `finished · exit ${state.exitCode}`;
    case 'running':
      return `running (pid ${state.process.pid})`;
    case 'interrupted':
      return state.process === null ? 'interrupted (never finished; no exit code)' : `interrupted (process ${state.process.pid} on ${state.process.host} is gone; no exit code)`;
    case 'unfinished-elsewhere':
      return `not finished (running or interrupted on ${state.process.host}, pid ${state.process.pid})`;
  }
}

/**
 * One line per recorded run, oldest first: id, state, tier, start time, trials stored and whether
 * it has a report. Runs killed before they recorded an end are listed as interrupted, not hidden;
 * matrices of a run without a run row (a partial merge) are listed too.
 */
export function listRuns(store: TrialStore): string[] {
  const reportable = new Set(reportableRunIds(store));
  const rows = store.listRuns().map((run) => [
    run.runId,
    describeState(runState(store, run)),
    `tier ${run.tier}`,
    `started ${run.startedAt}`,
    `${store.countTrials({ runId: run.runId })} trials`,
    reportable.has(run.runId) ? 'report' : 'no results',
  ]);
  const recorded = new Set(rows.map((r) => r[0]));
  for (const id of reportable) {
    if (!recorded.has(id)) rows.push([id, 'no run record (results only)', '', '', `${store.countTrials({ runId: id })} trials`, 'report']);
  }
  const widths = rows.reduce((w, r) => r.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), [] as number[]);
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

export async function reportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      store: { type: 'string', default: DEFAULT_STORE_PATH },
      out: { type: 'string', default: 'reports' },
      title: { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(REPORT_HELP);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError('give at most one run id');
  const storePath = resolve(values.store);
  const store = openStore(storePath, { readonly: true, create: false });
  let runs: string[];
  let listed: string[] = [];
  try {
    runs = reportableRunIds(store);
    if (values.list) listed = listRuns(store);
  } finally {
    store.close();
  }
  if (values.list) {
    process.stdout.write(listed.length ? `${listed.join('\n')}\n` : `no runs recorded in ${storePath}\n`);
    return 0;
  }
  const runId = positionals[0] ?? runs[runs.length - 1];
  if (runId === undefined) throw new Error(`no runs with results in ${storePath}; run "naspoison run" first`);
  const written = writeRunReport(storePath, runId, resolve(values.out, runId), values.title);
  process.stdout.write(`${written.markdown}\n${written.html}\n${written.json}\n`);
  return 0;
}
