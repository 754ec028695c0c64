/**
 * The trial store: one SQLite file holding every trial result, the runs that produced them and a
 * content-addressed cache. Safe for several processes writing at once (WAL, busy timeout, each
 * write in a `BEGIN IMMEDIATE` transaction) and append-only for results: a completed trial is
 * never overwritten; an errored one may be replaced by a completed one.
 */
import type Database from 'better-sqlite3';
import { canonicalJson } from '../util/canonical-json.js';
import { StoreError, toStoreError } from './errors.js';
import { openDatabase, type IntegrityCheck } from './open.js';
import {
  RowDecodeError,
  rowToCache,
  rowToRun,
  rowToTrial,
  runStartProblems,
  trialRecordProblems,
  trialToRow,
  type CacheRow,
  type RunRow,
  type TrialRow,
} from './rows.js';
import type { CacheEntry, RunRecord, RunStart, TrialIdentity, TrialRecord } from './types.js';

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /**
   * Open without write access (default false): nothing is created or changed beside the file, so
   * a store on read-only media can be read; writes fail with a `readonly` StoreError. Such a store
   * reads one consistent state (an in-memory copy when no writer has a live WAL): open it again to
   * see later writes.
   */
  readonly?: boolean;
  /** Create a missing file and its parent folders (default true; never when `readonly`). */
  create?: boolean;
  /** Check run on an existing file before use: `quick` (default, `PRAGMA quick_check`), `full`, `none`. */
  integrityCheck?: IntegrityCheck;
}

/** Which trials {@link TrialStore.listTrials} returns: every given field must match exactly. */
export type TrialFilter = Partial<TrialIdentity> & {
  status?: TrialRecord['status'];
  codeVersion?: string;
  /** TF.js backend name (`environment.backend`). */
  backend?: string;
  runId?: string;
};

/** Options of {@link TrialStore.putCached}. */
export interface PutCachedOptions {
  /** Creation time to record (default now); merges keep the source's. */
  createdAt?: string;
}

/** An open store. All methods are synchronous; all writes are transactions. */
export interface TrialStore {
  /** The file this store lives in. */
  readonly path: string;
  /** Whether the store was opened read-only. */
  readonly readonly: boolean;
  /** The stored trial with this key, completed or errored, or undefined. */
  getTrial(trialKey: string): TrialRecord | undefined;
  /**
   * Whether a *completed* trial with this key is stored (what resume needs: an errored trial is
   * to be run again). With `includeErrored`, whether any row is stored.
   */
  hasTrial(trialKey: string, options?: { includeErrored?: boolean }): boolean;
  /**
   * Stores a trial. Returns true when the record was written: there was no row with its key, or
   * the stored row was errored and this one is completed. Otherwise the stored row is kept and
   * false is returned — a completed trial is never overwritten.
   *
   * @throws StoreError `invalid` naming the fields at fault; `readonly`; `busy`
   */
  putTrial(record: TrialRecord): boolean;
  /** {@link putTrial} for many records in one transaction; returns how many were written. */
  putTrials(records: readonly TrialRecord[]): number;
  /**
   * Stored trials matching `filter`, in a fixed order: matrix, nas, attack, defence, budget, tier,
   * trialIndex, trialKey.
   */
  listTrials(filter?: TrialFilter): TrialRecord[];
  /** Number of stored trials matching `filter`. */
  countTrials(filter?: TrialFilter): number;
  /** Deletes every errored trial (so a resumed run retries them); returns how many. */
  deleteErrored(): number;
  /**
   * Records the start of a run.
   *
   * @throws StoreError `invalid` when a run with this id is already recorded
   */
  recordRun(run: RunStart): void;
  /**
   * Records the end of a run.
   *
   * @throws StoreError `invalid` when the run is unknown or already finished
   */
  finishRun(runId: string, finishedAt: string, exitCode: number): void;
  /** The run with this id, or undefined. */
  getRun(runId: string): RunRecord | undefined;
  /** All runs, oldest first (by start time, then id). */
  listRuns(): RunRecord[];
  /** The run that started last, or undefined when none is recorded. */
  latestRun(): RunRecord | undefined;
  /** The cached value (JSON text, exactly as stored) for (namespace, key), or undefined. */
  getCached(namespace: string, key: string): string | undefined;
  /** The whole cached entry (value, meta, creation time) for (namespace, key), or undefined. */
  getCachedEntry(namespace: string, key: string): CacheEntry | undefined;
  /**
   * Caches `valueJson` (JSON text, stored exactly as given) under (namespace, key). Content
   * addressed: an existing entry is kept and false is returned.
   *
   * @throws StoreError `invalid` when `valueJson` is not JSON or `meta` has no JSON form
   */
  putCached(namespace: string, key: string, valueJson: string, meta?: Record<string, unknown>, options?: PutCachedOptions): boolean;
  /** Cached entries, of one namespace or all, ordered by namespace then key. */
  listCached(namespace?: string): CacheEntry[];
  /**
   * Runs `fn` in one `BEGIN IMMEDIATE` transaction (nested calls become savepoints): all its
   * writes commit together or, if it throws, none do. `fn` must be synchronous.
   */
  transaction<T>(fn: () => T): T;
  /** Closes the connection (idempotent); later calls fail with a `closed` StoreError. */
  close(): void;
}

/**
 * Opens the store at `path`, creating it (and its folders) when missing unless `create` is false.
 * An existing file is checked first without being written to: SQLite header, naspoison
 * `application_id`, `meta` format and schema version, and `PRAGMA quick_check`.
 *
 * @throws StoreError `missing` | `not-a-store` | `corrupt` | `newer-schema` | `busy` | `io`,
 *   with a message naming the file and the problem
 */
export function openStore(path: string, options: OpenStoreOptions = {}): TrialStore {
  const readonly = options.readonly ?? false;
  const db = openDatabase(path, {
    readonly,
    create: options.create ?? true,
    integrityCheck: options.integrityCheck ?? 'quick',
  });
  return new SqliteTrialStore(path, db, readonly);
}

const TRIAL_COLUMNS = [
  'trial_key', 'matrix', 'nas', 'attack', 'budget', 'defence', 'trial_index', 'tier', 'seed', 'status', 'error', 'dataset',
  'dataset_hash', 'poison_hash', 'genotype', 'canonical_genotype', 'accuracy', 'random_baseline_mean', 'delta_improvement',
  'diagnostics_json', 'params_json', 'environment_json', 'backend', 'code_version', 'started_at', 'finished_at', 'duration_ms', 'run_id',
] as const;

const TRIAL_ORDER = 'ORDER BY matrix, nas, attack, defence, budget, tier, trial_index, trial_key';

/** Filter fields and the columns they match. */
const FILTER_COLUMNS: ReadonlyArray<readonly [keyof TrialFilter, string]> = [
  ['matrix', 'matrix'],
  ['nas', 'nas'],
  ['attack', 'attack'],
  ['budget', 'budget'],
  ['defence', 'defence'],
  ['trialIndex', 'trial_index'],
  ['tier', 'tier'],
  ['status', 'status'],
  ['codeVersion', 'code_version'],
  ['backend', 'backend'],
  ['runId', 'run_id'],
];

class SqliteTrialStore implements TrialStore {
  readonly path: string;
  readonly readonly: boolean;
  private readonly db: Database.Database;
  private closed = false;
  private readonly statements: {
    getTrial: Database.Statement;
    trialStatus: Database.Statement;
    insertTrial: Database.Statement;
    replaceTrial: Database.Statement;
    deleteErrored: Database.Statement;
    insertRun: Database.Statement;
    getRun: Database.Statement;
    finishRun: Database.Statement;
    listRuns: Database.Statement;
    latestRun: Database.Statement;
    getCached: Database.Statement;
    insertCached: Database.Statement;
  };

  constructor(path: string, db: Database.Database, readonly: boolean) {
    this.path = path;
    this.db = db;
    this.readonly = readonly;
    const columns = TRIAL_COLUMNS.join(', ');
    const params = TRIAL_COLUMNS.map((c) => `@${c}`).join(', ');
    try {
      this.statements = {
        getTrial: db.prepare(`SELECT * FROM trials WHERE trial_key = ?`),
        trialStatus: db.prepare(`SELECT status FROM trials WHERE trial_key = ?`),
        insertTrial: db.prepare(`INSERT INTO trials (${columns}) VALUES (${params})`),
        replaceTrial: db.prepare(`INSERT OR REPLACE INTO trials (${columns}) VALUES (${params})`),
        deleteErrored: db.prepare(`DELETE FROM trials WHERE status = 'errored'`),
        insertRun: db.prepare(
          `INSERT INTO runs (run_id, started_at, finished_at, exit_code, tier, command, spec_files_json, environment_json, code_version)
           VALUES (@run_id, @started_at, NULL, NULL, @tier, @command, @spec_files_json, @environment_json, @code_version)`,
        ),
        getRun: db.prepare(`SELECT * FROM runs WHERE run_id = ?`),
        finishRun: db.prepare(`UPDATE runs SET finished_at = ?, exit_code = ? WHERE run_id = ? AND finished_at IS NULL`),
        listRuns: db.prepare(`SELECT * FROM runs ORDER BY started_at, run_id`),
        latestRun: db.prepare(`SELECT * FROM runs ORDER BY started_at DESC, run_id DESC LIMIT 1`),
        getCached: db.prepare(`SELECT * FROM cache WHERE namespace = ? AND key = ?`),
        insertCached: db.prepare(
          `INSERT INTO cache (namespace, key, value_json, meta_json, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (namespace, key) DO NOTHING`,
        ),
      };
    } catch (error) {
      db.close();
      throw toStoreError(path, 'preparing statements', error);
    }
  }

  getTrial(trialKey: string): TrialRecord | undefined {
    return this.read('reading a trial', () => {
      const row = this.statements.getTrial.get(trialKey) as TrialRow | undefined;
      return row === undefined ? undefined : rowToTrial(row);
    });
  }

  hasTrial(trialKey: string, options: { includeErrored?: boolean } = {}): boolean {
    return this.read('looking up a trial', () => {
      const row = this.statements.trialStatus.get(trialKey) as { status: string } | undefined;
      return row !== undefined && (row.status === 'completed' || options.includeErrored === true);
    });
  }

  putTrial(record: TrialRecord): boolean {
    return this.write('storing a trial', () => this.putOne(record));
  }

  putTrials(records: readonly TrialRecord[]): number {
    return this.write('storing trials', () => records.reduce((n, r) => n + (this.putOne(r) ? 1 : 0), 0));
  }

  /** Inside a transaction: the insert-or-keep rule of {@link TrialStore.putTrial}. */
  private putOne(record: TrialRecord): boolean {
    const problems = trialRecordProblems(record);
    if (problems.length > 0) {
      const key = typeof record.trialKey === 'string' ? record.trialKey : '?';
      throw new StoreError(this.path, 'invalid', `refusing trial ${key}: ${problems.join('; ')}`);
    }
    const existing = this.statements.trialStatus.get(record.trialKey) as { status: string } | undefined;
    if (existing === undefined) {
      this.statements.insertTrial.run(trialToRow(record));
      return true;
    }
    if (existing.status === 'errored' && record.status === 'completed') {
      this.statements.replaceTrial.run(trialToRow(record));
      return true;
    }
    return false;
  }

  listTrials(filter: TrialFilter = {}): TrialRecord[] {
    return this.read('listing trials', () => {
      const { where, values } = this.whereClause(filter);
      const rows = this.db.prepare(`SELECT * FROM trials ${where} ${TRIAL_ORDER}`).all(...values) as TrialRow[];
      return rows.map(rowToTrial);
    });
  }

  countTrials(filter: TrialFilter = {}): number {
    return this.read('counting trials', () => {
      const { where, values } = this.whereClause(filter);
      return (this.db.prepare(`SELECT count(*) AS n FROM trials ${where}`).get(...values) as { n: number }).n;
    });
  }

  private whereClause(filter: TrialFilter): { where: string; values: Array<string | number> } {
    const clauses: string[] = [];
    const values: Array<string | number> = [];
    for (const [field, column] of FILTER_COLUMNS) {
      const value = filter[field];
      if (value === undefined) continue;
      if (typeof value !== 'string' && typeof value !== 'number') {
        throw new StoreError(this.path, 'invalid', `trial filter field ${field} must be a string or number`);
      }
      clauses.push(`${column} = ?`);
      values.push(value);
    }
    return { where: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', values };
  }

  deleteErrored(): number {
    return this.write('deleting errored trials', () => this.statements.deleteErrored.run().changes);
  }

  recordRun(run: RunStart): void {
    this.write('recording a run', () => {
      const problems = runStartProblems(run);
      if (problems.length > 0) throw new StoreError(this.path, 'invalid', `refusing run ${String(run.runId)}: ${problems.join('; ')}`);
      if (this.statements.getRun.get(run.runId) !== undefined) {
        throw new StoreError(this.path, 'invalid', `run ${run.runId} is already recorded`);
      }
      this.statements.insertRun.run({
        run_id: run.runId,
        started_at: run.startedAt,
        tier: run.tier,
        command: run.command,
        spec_files_json: canonicalJson(run.specFiles),
        environment_json: canonicalJson(run.environment),
        code_version: run.codeVersion,
      });
    });
  }

  finishRun(runId: string, finishedAt: string, exitCode: number): void {
    this.write('finishing a run', () => {
      if (typeof finishedAt !== 'string' || finishedAt.length === 0) throw new StoreError(this.path, 'invalid', `finishRun(${runId}): finishedAt must be a non-empty string`);
      if (!Number.isSafeInteger(exitCode)) throw new StoreError(this.path, 'invalid', `finishRun(${runId}): exitCode must be an integer`);
      const row = this.statements.getRun.get(runId) as RunRow | undefined;
      if (row === undefined) throw new StoreError(this.path, 'invalid', `finishRun: no run ${runId} is recorded`);
      if (row.finished_at !== null) throw new StoreError(this.path, 'invalid', `finishRun: run ${runId} already finished at ${row.finished_at}`);
      this.statements.finishRun.run(finishedAt, exitCode, runId);
    });
  }

  getRun(runId: string): RunRecord | undefined {
    return this.read('reading a run', () => {
      const row = this.statements.getRun.get(runId) as RunRow | undefined;
      return row === undefined ? undefined : rowToRun(row);
    });
  }

  listRuns(): RunRecord[] {
    return this.read('listing runs', () => (this.statements.listRuns.all() as RunRow[]).map(rowToRun));
  }

  latestRun(): RunRecord | undefined {
    return this.read('reading the latest run', () => {
      const row = this.statements.latestRun.get() as RunRow | undefined;
      return row === undefined ? undefined : rowToRun(row);
    });
  }

  getCached(namespace: string, key: string): string | undefined {
    return this.getCachedEntry(namespace, key)?.valueJson;
  }

  getCachedEntry(namespace: string, key: string): CacheEntry | undefined {
    return this.read('reading the cache', () => {
      const row = this.statements.getCached.get(namespace, key) as CacheRow | undefined;
      return row === undefined ? undefined : rowToCache(row);
    });
  }

  putCached(namespace: string, key: string, valueJson: string, meta?: Record<string, unknown>, options: PutCachedOptions = {}): boolean {
    return this.write('writing the cache', () => {
      const where = `cache entry ${String(namespace)}/${String(key)}`;
      if (typeof namespace !== 'string' || namespace.length === 0 || typeof key !== 'string' || key.length === 0) {
        throw new StoreError(this.path, 'invalid', `${where}: namespace and key must be non-empty strings`);
      }
      if (typeof valueJson !== 'string') throw new StoreError(this.path, 'invalid', `${where}: the value must be JSON text`);
      try {
        JSON.parse(valueJson);
      } catch (error) {
        throw new StoreError(this.path, 'invalid', `${where}: the value is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
      }
      let metaJson: string | null = null;
      if (meta !== undefined) {
        try {
          metaJson = canonicalJson(meta);
        } catch (error) {
          throw new StoreError(this.path, 'invalid', `${where}: meta ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      const createdAt = options.createdAt ?? new Date().toISOString();
      return this.statements.insertCached.run(namespace, key, valueJson, metaJson, createdAt).changes === 1;
    });
  }

  listCached(namespace?: string): CacheEntry[] {
    return this.read('listing the cache', () => {
      const rows = (namespace === undefined
        ? this.db.prepare('SELECT * FROM cache ORDER BY namespace, key').all()
        : this.db.prepare('SELECT * FROM cache WHERE namespace = ? ORDER BY key').all(namespace)) as CacheRow[];
      return rows.map(rowToCache);
    });
  }

  transaction<T>(fn: () => T): T {
    return this.write('running a transaction', fn);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError(this.path, 'closed', 'the store is closed');
  }

  private read<T>(operation: string, fn: () => T): T {
    this.assertOpen();
    try {
      return fn();
    } catch (error) {
      if (error instanceof RowDecodeError) throw new StoreError(this.path, 'corrupt', `corrupt: ${error.message}`, { cause: error });
      throw toStoreError(this.path, operation, error);
    }
  }

  /** Runs `fn` in a `BEGIN IMMEDIATE` transaction (a savepoint when one is already open). */
  private write<T>(operation: string, fn: () => T): T {
    this.assertOpen();
    if (this.readonly) throw new StoreError(this.path, 'readonly', `${operation}: the store was opened read-only`);
    try {
      return this.db.transaction(() => {
        const result = fn();
        if (result instanceof Promise) {
          result.catch(() => undefined);
          throw new StoreError(this.path, 'invalid', `${operation}: the transaction function returned a Promise; it must be synchronous`);
        }
        return result;
      }).immediate();
    } catch (error) {
      if (error instanceof RowDecodeError) throw new StoreError(this.path, 'corrupt', `corrupt: ${error.message}`, { cause: error });
      throw toStoreError(this.path, operation, error);
    }
  }
}
