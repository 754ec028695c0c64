/** `naspoison report`: (re)writes a run's report from the store. */
import { REPORT_HELP } from './help.js';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderReport, type RenderedReport } from '../report/index.js';
import { reportableRunIds, runResultsFromStore } from '../report/from-store.js';
import { openStore } from '../store/index.js';
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
  const runs = reportableRunIds(store);
  store.close();
  if (values.list) {
    process.stdout.write(runs.length ? `${runs.join('\n')}\n` : `no runs with results in ${storePath}\n`);
    return 0;
  }
  const runId = positionals[0] ?? runs[runs.length - 1];
  if (runId === undefined) throw new Error(`no runs with results in ${storePath}; run "naspoison run" first`);
  const written = writeRunReport(storePath, runId, resolve(values.out, runId), values.title);
  process.stdout.write(`${written.markdown}\n${written.html}\n${written.json}\n`);
  return 0;
}
