/**
 * Work shared through leases (harness/store/leases.ts): trials and random-baseline evaluations are
 * claimed in the store before they are computed, so several processes on one store — the worker
 * processes of one run, or two `naspoison run`s started at once — split the work instead of
 * repeating it. A process computes what it can claim ({@link computeClaimable}); what another live
 * process holds, it waits for ({@link waitForOthers}) and takes over if that process dies.
 */
import { LeaseHeartbeat, leaseBlocks, leaseOwner, openLeases, type LeaseOwner, type LeaseRecord, type LeaseStore } from '../store/index.js';
import { genotypeFromString } from '../space/genotype.js';
import { evaluationKey } from '../train/evaluate.js';
import type { PreparedRun, RunContext } from './context.js';
import { evaluationCacheOf } from './evaluation-cache.js';
import { planIdentity, type TrialPlan } from './trial.js';
import type { EvaluationJob } from './workers.js';

/** How one kind of job is shared: its lease key and whether its result is already stored. */
export interface JobSharing<J> {
  /** The lease key of a job: `trial:<trial key>`, `evaluation:<evaluation key>`. */
  leaseKey(job: J): string;
  /** Whether the job's result is in the store (nobody needs to compute it). */
  stored(job: J): boolean;
}

/**
 * Whether a job is settled since `since` (ms since the epoch): its result is stored, or someone's
 * claim on it finished after `since` — a trial that errored in this run is not retried by it (a
 * later run retries it, as without leases).
 */
export function settled<J>(job: J, sharing: JobSharing<J>, leases: LeaseStore, since: number): boolean {
  if (sharing.stored(job)) return true;
  const lease = leases.get(sharing.leaseKey(job));
  return lease !== undefined && lease.state === 'done' && lease.finishedAt !== null && lease.finishedAt >= since;
}

/** Options of {@link computeClaimable}. */
export interface ComputeClaimableOptions {
  /** The store file (its leases; the heartbeat thread opens it too). */
  storePath: string;
  /** Jobs settled since this time are skipped (see {@link settled}). */
  since: number;
  /** Lease lifetime without a heartbeat, ms (default: the store's). */
  ttlMs?: number;
  /** Heartbeat period, ms (default: the store's). */
  heartbeatMs?: number;
  /** Where heartbeat failures are reported. */
  log?: (message: string) => void;
}

/**
 * Computes, in order, every job that is not settled and that this process can claim: claims it,
 * checks again that nobody stored it meanwhile, runs `compute`, marks the claim done (also when
 * `compute` throws, so nobody waits for a claim that will never finish). Jobs held by another live
 * process are skipped. A heartbeat thread renews the claims while `compute` runs. Returns the jobs
 * this process computed.
 */
export async function computeClaimable<J>(
  jobs: readonly J[],
  sharing: JobSharing<J>,
  compute: (job: J) => Promise<void>,
  options: ComputeClaimableOptions,
): Promise<J[]> {
  const leases = openLeases(options.storePath);
  const owner = leaseOwner();
  const heartbeat = new LeaseHeartbeat(options.storePath, owner, {
    ...(options.ttlMs !== undefined ? { ttlMs: options.ttlMs } : {}),
    ...(options.heartbeatMs !== undefined ? { intervalMs: options.heartbeatMs } : {}),
    onError: (m) => options.log?.(`lease heartbeat failed (claims will expire and may be taken over): ${m}`),
  });
  const computed: J[] = [];
  try {
    for (const job of jobs) {
      if (settled(job, sharing, leases, options.since)) continue;
      const key = sharing.leaseKey(job);
      const claim = leases.claim(key, owner, options.ttlMs !== undefined ? { ttlMs: options.ttlMs } : {});
      if (!claim.acquired) continue;
      try {
        // Stored between our check and our claim by a process that has finished with it.
        if (sharing.stored(job)) continue;
        if (claim.tookOverFrom) options.log?.(`taking over ${key.slice(0, 24)}… from ${describeHolder(claim.tookOverFrom, owner)}`);
        await compute(job);
        computed.push(job);
      } finally {
        leases.finish(key, owner);
      }
    }
  } finally {
    await heartbeat.stop();
    leases.close();
  }
  return computed;
}

/** `host:pid` of a claim's owner, with `(expired)` or `(gone)` where that is why it can be taken over. */
export function describeHolder(lease: LeaseRecord, from: LeaseOwner = leaseOwner(), now = Date.now()): string {
  const where = `${lease.host}:${lease.pid}`;
  if (lease.expiresAt <= now) return `${where} (expired)`;
  return leaseBlocks(lease, from, now) ? where : `${where} (gone)`;
}

/** Options of {@link waitForOthers}. */
export interface WaitOptions {
  storePath: string;
  since: number;
  /** Poll period, ms (default 1000). */
  pollMs?: number;
  /** What n jobs are, for the log: `3 trials`, `1 random-baseline architecture`. */
  noun: (n: number) => string;
  /** A job's name in the log. */
  describe: (job: unknown) => string;
  log: (message: string) => void;
}

/**
 * Waits while every job not yet settled is held by a live claim of another process, polling the
 * store. Returns the jobs still unsettled: empty when the others stored them all, otherwise some of
 * them became claimable (their owner died or its claim expired) and the caller computes them.
 */
export async function waitForOthers<J>(jobs: readonly J[], sharing: JobSharing<J>, options: WaitOptions): Promise<J[]> {
  const leases = openLeases(options.storePath);
  const me = leaseOwner();
  try {
    let open = jobs.filter((j) => !settled(j, sharing, leases, options.since));
    const holders = new Set(open.map((j) => leases.get(sharing.leaseKey(j))).filter((l): l is LeaseRecord => l !== undefined).map((l) => `${l.host}:${l.pid}`));
    if (open.length > 0) options.log(`waiting for ${options.noun(open.length)} that another process is computing (${[...holders].join(', ')}), instead of computing ${open.length === 1 ? 'it' : 'them'} twice`);
    for (;;) {
      const still = open.filter((j) => !settled(j, sharing, leases, options.since));
      for (const j of open) if (!still.includes(j)) options.log(`  ${options.describe(j)}: done by another process`);
      open = still;
      if (open.length === 0) return [];
      const now = Date.now();
      const claimable = open.filter((j) => {
        const lease = leases.get(sharing.leaseKey(j));
        return lease === undefined || !leaseBlocks(lease, me, now);
      });
      if (claimable.length > 0) {
        options.log(`${options.noun(claimable.length)} held by a process that stopped (${claimable.map((j) => describeHolder(leases.get(sharing.leaseKey(j)) ?? FREE, me, now)).join(', ')}): computing them here`);
        return open;
      }
      await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
    }
  } finally {
    leases.close();
  }
}

/** Stand-in for a job with no lease row, for {@link describeHolder}'s message. */
const FREE: LeaseRecord = { key: '', owner: '', host: 'nobody', pid: 0, state: 'done', claimedAt: 0, heartbeatAt: 0, expiresAt: 0, finishedAt: 0, claims: 1 };

/**
 * Runs jobs shared with other processes to the end: computes the claimable ones with `computeRound`
 * (in this process or in workers, each of which calls {@link computeClaimable}), waits for the ones
 * others hold, and computes those whose holder stopped. Returns when every job is settled.
 */
export async function shareJobs<J>(
  jobs: readonly J[],
  sharing: JobSharing<J>,
  computeRound: (open: readonly J[], since: number) => Promise<void>,
  options: Omit<WaitOptions, 'since'>,
): Promise<void> {
  const since = Date.now();
  const leases = openLeases(options.storePath);
  let open: readonly J[];
  try {
    open = jobs.filter((j) => !settled(j, sharing, leases, since));
  } finally {
    leases.close();
  }
  while (open.length > 0) {
    await computeRound(open, since);
    open = await waitForOthers(open, sharing, { ...options, since });
  }
}

/** Trials: keyed by trial key, stored when a completed trial row exists (an errored one is retried by a later run). */
export function trialSharing(ctx: RunContext): JobSharing<TrialPlan> {
  const keys = new Map<TrialPlan, string>();
  const keyOf = (plan: TrialPlan) => {
    let key = keys.get(plan);
    if (key === undefined) keys.set(plan, (key = planIdentity(plan, ctx).key));
    return key;
  };
  return { leaseKey: (plan) => `trial:${keyOf(plan)}`, stored: (plan) => ctx.store.hasTrial(keyOf(plan)) };
}

/** Clean evaluations (random-baseline and calibration cells): keyed and stored by their evaluation-cache key. */
export function evaluationSharing(run: Pick<PreparedRun, 'store' | 'data' | 'protocol' | 'backend'>): JobSharing<EvaluationJob> {
  const cache = evaluationCacheOf(run.store);
  const keys = new Map<EvaluationJob, string>();
  const keyOf = (job: EvaluationJob) => {
    let key = keys.get(job);
    if (key === undefined) keys.set(job, (key = evaluationKey(genotypeFromString(job.genotype), run.data, run.protocol, job.seed, run.backend.name)));
    return key;
  };
  return { leaseKey: (job) => `evaluation:${keyOf(job)}`, stored: (job) => cache.get(keyOf(job)) !== undefined };
}
