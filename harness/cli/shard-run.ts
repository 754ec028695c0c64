/**
 * `naspoison run --shard i/n`: plans every trial of the run (a collection pass over the selected
 * spec files finds their matrices; nothing is asserted), computes shard i's share of them into the
 * store, records what it did (harness/run/shard.ts: `run-shard.v1`) and says how to merge. Verdicts
 * are not computed here: a shard sees only part of the trials. They come from a `naspoison run` over
 * the merged store, which finds every trial stored.
 */
import { collectDeclaredMatrices } from '../spec/collect.js';
import type { RunConfig } from '../run/config.js';
import { createRunContext } from '../run/context.js';
import { runPlans } from '../run/matrix.js';
import { assignShards, estimateTrialCost, planTrials, SHARD_NAMESPACE, shardLabel, type Shard, type ShardRecord } from '../run/shard.js';
import { planIdentity } from '../run/trial.js';
import { openStore } from '../store/index.js';
import { formatDuration, style } from './terminal.js';

/** What {@link runShard} is given by `naspoison run`, which has checked it and recorded the run's start. */
export interface ShardRunOptions {
  shard: Shard;
  /** The run's configuration (its run id, store, tier, plugin modules…). */
  config: RunConfig;
  /** Spec filters (empty: every spec file). */
  filters: readonly string[];
  /** The arguments that choose the plan, repeated by the run over the merged store (see {@link ShardRecord.planArguments}). */
  planArguments: readonly string[];
}

const log = (message: string) => process.stderr.write(`${message}\n`);
const percent = (part: number, whole: number) => `${whole > 0 ? ((100 * part) / whole).toFixed(1) : '0.0'}%`;

/**
 * Runs the shard and finishes its run row; returns the exit code: 0 when every trial of the shard
 * is stored completed, 1 when one errored (its error is stored; any run over a store holding it
 * retries it).
 */
export async function runShard(options: ShardRunOptions): Promise<number> {
  const { shard, config } = options;
  const { runId, storePath } = config;
  const started = performance.now();
  let exitCode = 1;
  let summary = '';
  try {
    const collection = await collectDeclaredMatrices(options.filters);
    if (collection.errors.length > 0) throw new Error(`spec files failed to load, so the run cannot be planned:\n  ${collection.errors.join('\n  ')}`);
    if (collection.matrices.length === 0) throw new Error(`the selected spec files (${collection.files.join(', ') || 'none'}) declare no poisoningMatrix: nothing to shard`);
    const ctx = await createRunContext({ config });
    try {
      const costs = { tier: ctx.tier, trainSize: ctx.data.train.n };
      const trials = planTrials(collection.matrices, ctx.tier, (p) => planIdentity(p, ctx).key, (p) => estimateTrialCost(p, costs));
      const plan = assignShards(trials, shard.count);
      const mine = plan.shards[shard.index - 1]!;
      const total = plan.loads.reduce((a, b) => a + b, 0);
      const record: ShardRecord = {
        runId,
        shard,
        tier: ctx.tier.name,
        backend: ctx.backend.name,
        codeVersion: ctx.codeVersion,
        datasetHash: ctx.datasetHash,
        planArguments: [...options.planArguments],
        plan: { hash: plan.hash, keys: trials.map((t) => t.key).sort() },
        keys: mine.map((t) => t.key),
        estimatedCost: { shard: plan.loads[shard.index - 1]!, total },
      };
      ctx.store.putCached(SHARD_NAMESPACE, runId, JSON.stringify(record), { runId });
      const shares = plan.loads.map((l) => percent(l, total));
      log(
        `shard ${shardLabel(shard)}: ${mine.length} of the plan's ${trials.length} trials (${collection.matrices.length} matrices in ${collection.files.length} spec files), ` +
          `${shares[shard.index - 1]} of the estimated work (shards: ${shares.join(', ')}); plan ${plan.hash.slice(0, 12)}`,
      );
      const computed = await runPlans(
        mine.map((t) => t.plan),
        ctx,
        `shard ${shardLabel(shard)}`,
      );
      const errored = mine.filter((t) => ctx.store.getTrial(t.key)?.status === 'errored');
      for (const t of errored) log(style.red(`  errored: ${t.id}: ${ctx.store.getTrial(t.key)?.error ?? ''}`, process.stderr));
      exitCode = errored.length > 0 ? 1 : 0;
      summary = `shard ${shardLabel(shard)}: ${mine.length} trials stored (${computed} computed here, ${mine.length - computed} already there)${errored.length > 0 ? `, ${errored.length} errored` : ''} · ${formatDuration(performance.now() - started)}`;
    } finally {
      ctx.store.close();
    }
  } finally {
    const finish = openStore(storePath);
    try {
      finish.finishRun(runId, new Date().toISOString(), exitCode);
    } finally {
      finish.close();
    }
  }
  log((exitCode === 0 ? style.green : style.red)(summary, process.stderr));
  log(
    `The verdicts come after every shard is done: merge the shards' stores, then run over the merged store (every trial is found stored):\n` +
      `  npx naspoison merge merged.db <the ${shard.count} shard stores>\n` +
      `  npx naspoison run --store merged.db ${options.planArguments.join(' ')}`,
  );
  return exitCode;
}
