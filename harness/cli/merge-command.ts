/**
 * `naspoison merge`: merges sharded stores into one, reporting conflicts instead of overwriting.
 * Stores written by `naspoison run --shard i/n` are checked first: shards of different code
 * versions, tiers, backends, datasets, shard counts or plans are refused, naming two that disagree,
 * and nothing is written. After the merge it says which shards of the plan the target now holds and
 * the command that computes the verdicts over it.
 */
import { MERGE_HELP } from './help.js';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { mergeStores, openStore } from '../store/index.js';
import { parseShardRecord, SHARD_NAMESPACE, shardCoverage, shardRefusal, verdictCommand, type FoundShard } from '../run/shard.js';
import { style, UsageError } from './terminal.js';

/** The shard records in the store at `path` (none when it does not exist). */
function shardsIn(path: string): FoundShard[] {
  if (!existsSync(path)) return [];
  const store = openStore(path, { readonly: true, create: false });
  try {
    return store.listCached(SHARD_NAMESPACE).flatMap((e) => {
      const record = parseShardRecord(e.valueJson);
      return record ? [{ source: path, record }] : [];
    });
  } finally {
    store.close();
  }
}

export async function mergeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h', default: false } }, allowPositionals: true, strict: true });
  if (values.help) {
    process.stdout.write(MERGE_HELP);
    return 0;
  }
  const [target, ...sources] = positionals;
  if (target === undefined || sources.length === 0) throw new UsageError('give a target store and at least one shard');
  // The target's own shards count too: shards merged one at a time must still fit together.
  const found = [target, ...sources].flatMap(shardsIn);
  const refusal = shardRefusal(found);
  if (refusal !== undefined) {
    process.stderr.write(`${style.red(`naspoison merge: ${refusal}`, process.stderr)}\n`);
    return 1;
  }
  const report = mergeStores(target, sources);
  const line = (name: string, c: { inserted: number; replaced: number; skipped: number; conflicts: number }) =>
    `${name}: ${c.inserted} added, ${c.replaced} replaced, ${c.skipped} already there, ${c.conflicts} conflicts`;
  process.stdout.write(`${line('trials', report.trials)}\n${line('runs', report.runs)}\n${line('cache', report.cache)}\n`);
  for (const c of report.conflicts) process.stderr.write(`conflict in ${c.table} ${c.key} from ${c.source}: ${c.fields.join(', ')}\n`);
  const coverage = shardCoverage(found);
  if (coverage !== undefined) {
    const shards = `shards ${coverage.present.join(', ')} of ${coverage.count} (plan ${found[0]!.record.plan.hash.slice(0, 12)})`;
    if (coverage.missingTrials === 0) {
      process.stdout.write(`${shards}: all ${coverage.totalTrials} trials of the plan are in ${target}\n`);
    } else {
      const missing = coverage.missing.length > 0 ? `shard${coverage.missing.length === 1 ? '' : 's'} ${coverage.missing.join(', ')} missing` : 'some shards did not finish';
      process.stderr.write(
        style.yellow(`${shards}: ${missing} — ${coverage.missingTrials} of the plan's ${coverage.totalTrials} trials are not in ${target}; merge the other shards' stores too (a run now would compute them itself)\n`, process.stderr),
      );
    }
    process.stdout.write(`verdicts and report: ${verdictCommand(found[0]!.record, target)}\n`);
  }
  return report.conflicts.length > 0 ? 1 : 0;
}
