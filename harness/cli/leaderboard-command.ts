/** `naspoison leaderboard`: ranks NAS methods under poisoning across runs, with rank groups. */
import { LEADERBOARD_HELP } from './help.js';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildLeaderboard, renderLeaderboardHtml, renderLeaderboardMarkdown } from '../report/index.js';
import { writeFileAtomic } from '../report/render.js';
import { reportableRunIds, runResultsFromStore } from '../report/from-store.js';
import { openStore } from '../store/index.js';
import { DEFAULT_STORE_PATH } from '../run/defaults.js';


export async function leaderboardCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      store: { type: 'string', default: DEFAULT_STORE_PATH },
      results: { type: 'string', multiple: true, default: [] },
      out: { type: 'string', default: join('reports', 'leaderboard') },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(LEADERBOARD_HELP);
    return 0;
  }
  const runs: unknown[] = values.results.map((file) => JSON.parse(readFileSync(file, 'utf8')) as unknown);
  if (values.results.length === 0 || positionals.length > 0) {
    const store = openStore(resolve(values.store), { readonly: true, create: false });
    try {
      const ids = positionals.length > 0 ? positionals : reportableRunIds(store);
      for (const id of ids) runs.push(runResultsFromStore(store, id));
    } finally {
      store.close();
    }
  }
  if (runs.length === 0) throw new Error(`no runs with results in ${resolve(values.store)}; run "naspoison run" first`);
  const board = buildLeaderboard(runs);
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  writeFileAtomic(join(out, 'leaderboard.md'), renderLeaderboardMarkdown(board));
  writeFileAtomic(join(out, 'leaderboard.html'), renderLeaderboardHtml(board, { page: true }));
  process.stdout.write(`${join(out, 'leaderboard.md')}\n${join(out, 'leaderboard.html')}\n`);
  return 0;
}
