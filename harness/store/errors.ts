/**
 * The one error class of the store: every problem with a store file (not SQLite, another
 * application's database, corrupt, newer schema, missing, locked, read-only) and every record the
 * store refuses is a {@link StoreError} whose message names the file and the problem.
 */

/** What kind of problem a {@link StoreError} reports, for callers that branch on it. */
export type StoreErrorCode =
  /** The file does not exist and creating it was not allowed. */
  | 'missing'
  /** The file is not a naspoison store (not SQLite, empty, or another application's database). */
  | 'not-a-store'
  /** The file is a naspoison store (or SQLite file) that is damaged or truncated. */
  | 'corrupt'
  /** The store was written by a newer naspoison with a schema this code does not know. */
  | 'newer-schema'
  /** A write was attempted on a store opened read-only. */
  | 'readonly'
  /** Another process held the database lock for longer than the busy timeout. */
  | 'busy'
  /** A record or argument the store refuses (bad field, duplicate run, unknown run…). */
  | 'invalid'
  /** The store was used after `close()`. */
  | 'closed'
  /** Any other I/O or SQLite failure (disk full, permissions…). */
  | 'io';

/** A store file that cannot be used, or a record it refuses; the message is `${file}: ${problem}`. */
export class StoreError extends Error {
  /** The store file the problem is about. */
  readonly file: string;
  /** The problem, without the path. */
  readonly problem: string;
  /** The kind of problem. */
  readonly code: StoreErrorCode;

  /**
   * @param file the path of the store file at fault
   * @param code the kind of problem
   * @param problem what is wrong, in words a user can act on (e.g. `not a naspoison store: …`)
   * @param options standard error options (`cause` for the underlying SQLite error)
   */
  constructor(file: string, code: StoreErrorCode, problem: string, options?: { cause?: unknown }) {
    super(`${file}: ${problem}`, options);
    this.name = 'StoreError';
    this.file = file;
    this.code = code;
    this.problem = problem;
  }
}

/** The SQLite result code of an error thrown by better-sqlite3 (e.g. `SQLITE_BUSY`), if it has one. */
export function sqliteCode(error: unknown): string | undefined {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('SQLITE_')) {
    return error.code;
  }
  return undefined;
}

/**
 * Turns an error thrown by SQLite during `operation` into a {@link StoreError} of the right kind;
 * StoreErrors pass through unchanged.
 */
export function toStoreError(file: string, operation: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const code = sqliteCode(error) ?? '';
  const detail = error instanceof Error ? error.message : String(error);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreError(file, 'busy', `${operation}: the store stayed locked by another process past the busy timeout (${detail})`, { cause: error });
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new StoreError(file, 'readonly', `${operation}: the store is read-only (${detail})`, { cause: error });
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new StoreError(file, 'corrupt', `corrupt: ${operation} failed: ${detail}`, { cause: error });
  }
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    return new StoreError(file, 'invalid', `${operation}: the record breaks a constraint (${detail})`, { cause: error });
  }
  return new StoreError(file, 'io', `${operation} failed: ${detail}${code ? ` (${code})` : ''}`, { cause: error });
}
