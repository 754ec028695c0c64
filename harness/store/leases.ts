/**
 * Leases: claims on a unit of work (a trial, a random-baseline evaluation) kept in the store, so
 * that several processes on one store share the work instead of repeating it. A process claims a
 * key before computing it; while it computes, a heartbeat (a worker thread, so that training that
 * blocks the main thread for minutes does not starve it) pushes the claim's expiry forward; when it
 * is done it marks the lease `done`. A claim held by someone else is respected while it is live —
 * the others wait for its result — and taken over once it has expired, or at once when its owner
 * ran on this host and its process is gone (a `kill -9`).
 *
 * Each row counts how often its key was claimed for computing (`claims`): 1 means the work was
 * done once. The table is created on first use, so stores made before leases existed need no
 * migration; merges do not copy it (a lease is about processes on one store, not a result). Leases
 * live on a connection of their own ({@link openLeases}) beside the process's {@link TrialStore}
 * connection: SQLite's file locks make a claim atomic across both, and across processes.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { processState } from '../util/process.js';
import { BUSY_TIMEOUT_MS } from './schema.js';
import { StoreError, toStoreError } from './errors.js';

/** DDL of the leases table (idempotent). Times are milliseconds since the epoch. */
export const LEASES_SQL = `
CREATE TABLE IF NOT EXISTS leases (
  lease_key    TEXT PRIMARY KEY,
  owner        TEXT NOT NULL,
  host         TEXT NOT NULL,
  pid          INTEGER NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('running', 'done')),
  claimed_at   INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  finished_at  INTEGER,
  claims       INTEGER NOT NULL CHECK (claims >= 1)
) STRICT;
`;

/** How long a claim lives without a heartbeat (ms): long enough for a busy machine's heartbeat thread to get a turn. */
export const DEFAULT_LEASE_TTL_MS = 60_000;

/** How often the heartbeat renews a process's running claims (ms). */
export const DEFAULT_HEARTBEAT_MS = 5_000;

/** Who holds a claim: one process (one id per process and store). */
export interface LeaseOwner {
  /** Unique id: `host:pid:random`. */
  readonly id: string;
  readonly host: string;
  readonly pid: number;
}

/** A row of the leases table. */
export interface LeaseRecord {
  readonly key: string;
  readonly owner: string;
  readonly host: string;
  readonly pid: number;
  /** `running` while its owner computes; `done` once it stored the result (or gave the work up). */
  readonly state: 'running' | 'done';
  readonly claimedAt: number;
  readonly heartbeatAt: number;
  readonly expiresAt: number;
  readonly finishedAt: number | null;
  /** How often the key was claimed for computing; 1 = computed once. */
  readonly claims: number;
}

/** The outcome of a claim: acquired (possibly by taking over a dead or expired one), or held by another live owner. */
export type LeaseClaim =
  | { readonly acquired: true; readonly tookOverFrom?: LeaseRecord }
  | { readonly acquired: false; readonly holder: LeaseRecord };

/** This process's owner identity (a fresh random part per call: two stores in one process never share claims by accident). */
export function leaseOwner(): LeaseOwner {
  const host = hostname();
  return { id: `${host}:${process.pid}:${randomUUID().slice(0, 8)}`, host, pid: process.pid };
}

/**
 * Whether process `pid` is alive on this host. A zombie (killed, not yet reaped) counts as gone, so
 * a claim of a `kill -9`ed worker is taken over at once rather than after its expiry.
 */
export function processAlive(pid: number): boolean {
  return processState({ pid, host: hostname() }) === 'alive';
}

/**
 * Whether a lease stops `owner` from claiming its key at time `now`: it is running, held by
 * someone else, not expired, and — when its owner ran on this host — that process still exists.
 */
export function leaseBlocks(lease: LeaseRecord, owner: LeaseOwner, now: number): boolean {
  if (lease.state !== 'running' || lease.owner === owner.id) return false;
  if (lease.expiresAt <= now) return false;
  if (lease.host === owner.host && !processAlive(lease.pid)) return false;
  return true;
}

interface LeaseRow {
  lease_key: string;
  owner: string;
  host: string;
  pid: number;
  state: 'running' | 'done';
  claimed_at: number;
  heartbeat_at: number;
  expires_at: number;
  finished_at: number | null;
  claims: number;
}

function rowToLease(row: LeaseRow): LeaseRecord {
  return {
    key: row.lease_key,
    owner: row.owner,
    host: row.host,
    pid: row.pid,
    state: row.state,
    claimedAt: row.claimed_at,
    heartbeatAt: row.heartbeat_at,
    expiresAt: row.expires_at,
    finishedAt: row.finished_at,
    claims: row.claims,
  };
}

/**
 * The leases of one store, on a connection of its own. A claim reads and writes in one
 * `BEGIN IMMEDIATE` transaction, so two processes never both acquire one key.
 */
export class LeaseStore {
  private ready = false;
  private closed = false;

  /** @param path a store file that {@link openStore} has already validated */
  constructor(readonly path: string, private readonly db: Database.Database) {}

  /** Creates the table if this store does not have it yet. */
  private ensure(): void {
    if (this.ready) return;
    this.db.exec(LEASES_SQL);
    this.ready = true;
  }

  private guard<T>(operation: string, fn: () => T): T {
    if (this.closed) throw new StoreError(this.path, 'closed', 'the lease connection is closed');
    try {
      return fn();
    } catch (error) {
      throw toStoreError(this.path, operation, error);
    }
  }

  /** Whether the store has the table yet. */
  private exists(): boolean {
    if (this.ready) return true;
    return this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'leases'`).get() !== undefined;
  }

  /** The lease of `key`, or undefined when it was never claimed. */
  get(key: string): LeaseRecord | undefined {
    return this.guard('reading a lease', () => this.read(key));
  }

  private read(key: string): LeaseRecord | undefined {
    if (!this.exists()) return undefined;
    const row = this.db.prepare('SELECT * FROM leases WHERE lease_key = ?').get(key) as LeaseRow | undefined;
    return row === undefined ? undefined : rowToLease(row);
  }

  /** Every lease whose key starts with `prefix`, by key. */
  list(prefix = ''): LeaseRecord[] {
    return this.guard('listing leases', () => {
      if (!this.exists()) return [];
      const rows = this.db.prepare(`SELECT * FROM leases WHERE substr(lease_key, 1, ?) = ? ORDER BY lease_key`).all(prefix.length, prefix) as LeaseRow[];
      return rows.map(rowToLease);
    });
  }

  /**
   * Claims `key` for `owner` unless a live claim of another owner holds it ({@link leaseBlocks});
   * an expired claim, or one whose owner's process is gone from this host, is taken over.
   */
  claim(key: string, owner: LeaseOwner, options: { ttlMs?: number; now?: number } = {}): LeaseClaim {
    const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    return this.guard('claiming a lease', () =>
      this.db.transaction(() => {
        this.ensure();
        return this.claimIn(key, owner, ttlMs, options.now ?? Date.now());
      }).immediate(),
    );
  }

  private claimIn(key: string, owner: LeaseOwner, ttlMs: number, now: number): LeaseClaim {
    const existing = this.read(key);
    if (existing !== undefined && leaseBlocks(existing, owner, now)) return { acquired: false, holder: existing };
    if (existing === undefined) {
      this.db
        .prepare(
          `INSERT INTO leases (lease_key, owner, host, pid, state, claimed_at, heartbeat_at, expires_at, finished_at, claims)
           VALUES (?, ?, ?, ?, 'running', ?, ?, ?, NULL, 1)`,
        )
        .run(key, owner.id, owner.host, owner.pid, now, now, now + ttlMs);
      return { acquired: true };
    }
    // Our own running claim is renewed, not counted again; anything else is a new computation.
    const again = existing.owner === owner.id && existing.state === 'running';
    this.db
      .prepare(
        `UPDATE leases SET owner = ?, host = ?, pid = ?, state = 'running', claimed_at = ?, heartbeat_at = ?, expires_at = ?, finished_at = NULL,
           claims = claims + ? WHERE lease_key = ?`,
      )
      .run(owner.id, owner.host, owner.pid, now, now, now + ttlMs, again ? 0 : 1, key);
    const tookOver = existing.state === 'running' && existing.owner !== owner.id;
    return tookOver ? { acquired: true, tookOverFrom: existing } : { acquired: true };
  }

  /** Marks `owner`'s claim on `key` done; false when it no longer holds it (it expired and was taken over). */
  finish(key: string, owner: LeaseOwner, now: number = Date.now()): boolean {
    return this.guard('finishing a lease', () => {
      if (!this.exists()) return false;
      return this.db.prepare(`UPDATE leases SET state = 'done', finished_at = ?, expires_at = ? WHERE lease_key = ? AND owner = ? AND state = 'running'`).run(now, now, key, owner.id).changes === 1;
    });
  }

  /** Closes the connection (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

/**
 * Opens the leases of the store at `path` on a connection of their own. Open the store itself with
 * {@link openStore} first: it validates the file (this does not) and creates it when missing.
 */
export function openLeases(path: string): LeaseStore {
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  } catch (error) {
    throw toStoreError(path, 'opening the leases', error);
  }
  return new LeaseStore(path, db);
}

/**
 * The heartbeat thread's code (plain JavaScript, so it runs the same under tsx, vitest or a build):
 * every `intervalMs` it pushes the expiry of the owner's running claims to now + ttl, on its own
 * connection (the renewal has no other path: only a live process's thread renews its claims).
 */
const HEARTBEAT_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.path, { fileMustExist: true, timeout: workerData.busyMs });
db.pragma('busy_timeout = ' + workerData.busyMs);
const renew = () => {
  try {
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'leases'").get();
    if (!hasTable) return;
    const now = Date.now();
    db.prepare("UPDATE leases SET heartbeat_at = ?, expires_at = ? WHERE owner = ? AND state = 'running'").run(now, now + workerData.ttlMs, workerData.owner);
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
};
const timer = setInterval(renew, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'beat') renew();
  if (m === 'stop') { clearInterval(timer); db.close(); process.exit(0); }
});
`;

/** Options of {@link LeaseHeartbeat}. */
export interface HeartbeatOptions {
  ttlMs?: number;
  intervalMs?: number;
  /** Called with the message of a failed renewal (the store is busy or gone); the claims then expire. */
  onError?: (message: string) => void;
}

/**
 * Renews an owner's running claims from a worker thread while this process works. The thread does
 * not keep the process alive; {@link stop} ends it (a killed process's thread dies with it, and
 * its claims expire).
 */
export class LeaseHeartbeat {
  private readonly worker: Worker;

  constructor(storePath: string, owner: LeaseOwner, options: HeartbeatOptions = {}) {
    const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(HEARTBEAT_SOURCE, {
      eval: true,
      workerData: {
        path: storePath,
        owner: owner.id,
        ttlMs: options.ttlMs ?? DEFAULT_LEASE_TTL_MS,
        intervalMs: options.intervalMs ?? DEFAULT_HEARTBEAT_MS,
        busyMs: BUSY_TIMEOUT_MS,
        sqlite,
      },
      // The parent's --import hooks (tsx) are not needed by plain JavaScript.
      execArgv: [],
    });
    this.worker.on('message', (m: { error?: string }) => {
      if (m.error !== undefined) options.onError?.(m.error);
    });
    this.worker.on('error', (error) => options.onError?.(error.message));
    this.worker.unref();
  }

  /** Renews now (on the thread), e.g. right after a claim. */
  beat(): void {
    this.worker.postMessage('beat');
  }

  /** Stops the thread and waits for it to end. */
  async stop(): Promise<void> {
    const ended = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    // Held while it stops: an unreferenced thread would let a process with nothing else to do exit
    // before the thread's exit is seen, leaving this promise (and a top-level await) unsettled.
    this.worker.ref();
    this.worker.postMessage('stop');
    await ended;
  }
}
