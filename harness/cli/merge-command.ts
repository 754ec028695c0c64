/** `naspoison merge`: merges sharded stores into one, reporting conflicts instead of overwriting. */
import { MERGE_HELP } from './help.js';
import { parseArgs } from 'node:util';
import { mergeStores } from '../store/index.js';
import { UsageError } from './terminal.js';


export async function mergeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h', default: false } }, allowPositionals: true, strict: true });
  if (values.help) {
    process.stdout.write(MERGE_HELP);
    return 0;
  }
  const [target, ...sources] = positionals;
  if (target === undefined || sources.length === 0) throw new UsageError('give a target store and at least one shard');
  const report = mergeStores(target, sources);
  const line = (name: string, c: { inserted: number; replaced: number; skipped: number; conflicts: number }) =>
    `${name}: ${c.inserted} added, ${c.replaced} replaced, ${c.skipped} already there, ${c.conflicts} conflicts`;
  process.stdout.write(`${line('trials', report.trials)}\n${line('runs', report.runs)}\n${line('cache', report.cache)}\n`);
  for (const c of report.conflicts) process.stderr.write(`conflict in ${c.table} ${c.key} from ${c.source}: ${c.fields.join(', ')}\n`);
  return report.conflicts.length > 0 ? 1 : 0;
}
