/** `naspoison report`: (re)writes a run's report from the store. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderReport, type RenderedReport } from '../report/index.js';
import { reportableRunIds, runResultsFromStore } from '../report/from-store.js';
import { openStore } from '../store/index.js';
import { DEFAULT_STORE_PATH } from '../run/context.js';
import { UsageError } from './terminal.js';

export const REPORT_HELP = `Usage: naspoison report [options] [run id]

Renders reports/<run id>/report.md, index.html and results.json (schema-checked) from the store.
Without a run id: the latest run that has results. Does not train anything.

Options:
  --store <path>   result store (default ${DEFAULT_STORE_PATH})
  --out <dir>      report folder root (default reports)
  --title <text>   report title
  --list           list the runs with results and exit
  -h, --help       show this help
`;

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
