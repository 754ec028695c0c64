/**
 * Opening a store file safely. An existing file is first inspected without writing to it: its
 * header bytes are read with plain file I/O, then a read-only SQLite connection (to an in-memory
 * copy when no WAL is live) checks the
 * `application_id`, the `meta` table (format and schema version) and runs `PRAGMA quick_check`.
 * Only a file that passes is opened for writing, so a foreign or damaged file is never modified.
 * A missing file is built complete in a temporary file beside it and hard-linked into place,
 * so no process ever sees a half-initialised store, even when several create it at once.
 *
 * A read-only open never writes beside the store either: SQLite's read-only connection to a WAL
 * database creates `-wal` and `-shm` files (and fails with SQLITE_CANTOPEN where it cannot, on
 * read-only media), so without a live WAL the validated in-memory copy itself is the connection.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { StoreError, sqliteCode, toStoreError } from './errors.js';
import { APPLICATION_ID, BUSY_TIMEOUT_MS, REQUIRED_TABLES, SCHEMA_SQL, SCHEMA_VERSION, STORE_FORMAT } from './schema.js';

/** How much of the file `openStore` checks before using an existing store. */
export type IntegrityCheck = 'quick' | 'full' | 'none';

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** Open without write access (default false). */
  readonly?: boolean;
  /** Create a missing file, with its parent folders (default true; never when `readonly`). */
  create?: boolean;
  /** Integrity check run on an existing file: `quick_check` (default), `integrity_check`, or none. */
  integrityCheck?: IntegrityCheck;
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const HEADER_BYTES = 100;

/**
 * Opens (and if allowed creates) the store at `path` and returns a configured connection:
 * WAL journal, `synchronous=FULL`, busy timeout {@link BUSY_TIMEOUT_MS}.
 *
 * @throws StoreError `missing`, `not-a-store`, `corrupt`, `newer-schema`, `busy` or `io`
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Database.Database {
  const readonly = options.readonly ?? false;
  const create = (options.create ?? true) && !readonly;
  if (!existsSync(path)) {
    if (!create) {
      throw new StoreError(path, 'missing', readonly ? 'no such store (opened read-only, so not created)' : 'no such store (create: false)');
    }
    createStoreFile(path);
  }
  inspectHeader(path);
  const check = options.integrityCheck ?? 'quick';
  if (readonly) return openReadOnly(path, check);
  probeStore(path, check);
  return connect(path);
}

/**
 * A read-only connection to a validated store: the in-memory copy of {@link openProbe} (one
 * consistent snapshot, nothing created beside the file, works on read-only media), or, with a live
 * WAL, a read-only file connection `{ readonly: true, fileMustExist: true }` that sees the WAL's
 * committed transactions.
 */
function openReadOnly(path: string, check: IntegrityCheck): Database.Database {
  const db = openProbe(path);
  try {
    validateStore(path, db, check);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Checks the first 100 bytes and the file size without SQLite; throws on anything that is not an intact SQLite file. */
function inspectHeader(path: string): void {
  let size: number;
  const header = Buffer.alloc(HEADER_BYTES);
  let got = 0;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new StoreError(path, 'not-a-store', 'not a naspoison store: not a regular file');
    size = stat.size;
    const fd = openSync(path, 'r');
    try {
      got = readSync(fd, header, 0, HEADER_BYTES, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError(path, 'io', `cannot read the file: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (size === 0) {
    throw new StoreError(path, 'not-a-store', 'not a naspoison store: the file is empty (delete it to create a new store here)');
  }
  const head = header.subarray(0, got);
  const magicLength = Math.min(got, SQLITE_MAGIC.length);
  const magicMatches = head.subarray(0, magicLength).equals(SQLITE_MAGIC.subarray(0, magicLength));
  if (!magicMatches) {
    throw new StoreError(path, 'not-a-store', `not a naspoison store: not an SQLite database (it starts with ${preview(head)})`);
  }
  if (got < HEADER_BYTES) {
    throw new StoreError(path, 'corrupt', `corrupt: truncated SQLite file of ${size} bytes (the header alone needs ${HEADER_BYTES})`);
  }
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    throw new StoreError(path, 'corrupt', `corrupt: invalid page size ${rawPageSize} in the SQLite header`);
  }
  if (size % pageSize !== 0) {
    throw new StoreError(path, 'corrupt', `corrupt: the file size ${size} is not a multiple of the page size ${pageSize} (truncated?)`);
  }
  // The in-header page count is authoritative when valid (change counter = version-valid-for).
  // With a live WAL the main file may legitimately lag behind, so only check without one.
  const pages = header.readUInt32BE(28);
  const valid = pages > 0 && header.readUInt32BE(24) === header.readUInt32BE(92);
  if (valid && pages * pageSize > size && !hasWal(path)) {
    throw new StoreError(path, 'corrupt', `corrupt: truncated: the header records ${pages} pages of ${pageSize} bytes but the file holds ${size / pageSize}`);
  }
}

function hasWal(path: string): boolean {
  try {
    return statSync(`${path}-wal`).size > 0;
  } catch {
    return false;
  }
}

/** A short printable rendering of the first bytes of a file, for error messages. */
function preview(bytes: Buffer): string {
  const shown = bytes.subarray(0, 16);
  const printable = [...shown].every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
  if (printable) return JSON.stringify(shown.toString('latin1'));
  return `bytes ${shown.toString('hex').replace(/(..)/g, '$1 ').trim()}`;
}

/** Files up to this size are validated from an in-memory copy. */
const IN_MEMORY_PROBE_LIMIT = 512 * 1024 * 1024;

/**
 * A read-only connection for validating `path` that cannot change anything on disk. Without a
 * live WAL the main file holds the whole database, so an in-memory copy of it is examined (its
 * WAL flag cleared, as in-memory databases have no WAL) and no side files are created. With a
 * live WAL (a store in use, or one whose writer crashed) a read-only file connection is used so
 * the WAL's committed transactions are seen; it may create the `-shm` index but never writes the
 * main file.
 */
function openProbe(path: string): Database.Database {
  try {
    const copy = hasWal(path) ? undefined : readSnapshot(path);
    if (copy !== undefined) {
      if (copy.length >= HEADER_BYTES && copy[18] === 2 && copy[19] === 2) {
        copy[18] = 1;
        copy[19] = 1;
      }
      return new Database(copy, { readonly: true });
    }
    return new Database(path, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  } catch (error) {
    const code = sqliteCode(error);
    if (code === 'SQLITE_NOTADB' || code?.startsWith('SQLITE_CORRUPT')) {
      throw new StoreError(path, 'corrupt', `corrupt: SQLite cannot open it (${error instanceof Error ? error.message : String(error)})`, { cause: error });
    }
    throw cannotOpenReadOnly(path, 'opening the file', error);
  }
}

/**
 * The file's bytes, read whole when it is small enough; undefined when it is larger than
 * {@link IN_MEMORY_PROBE_LIMIT} or kept changing while read (a writer checkpointing into it).
 */
function readSnapshot(path: string): Buffer | undefined {
  for (let attempt = 0; attempt < 3; attempt++) {
    const before = statSync(path);
    if (before.size > IN_MEMORY_PROBE_LIMIT) return undefined;
    const bytes = readFileSync(path);
    const after = statSync(path);
    // A checkpoint that lands mid-read would give a torn copy: read again until the file held still.
    if (after.mtimeMs === before.mtimeMs && after.size === before.size && after.ino === before.ino && bytes.length === after.size && !hasWal(path)) return bytes;
  }
  return undefined;
}

/**
 * SQLITE_CANTOPEN from a read-only connection means SQLite could not create the `-shm` index of a
 * live WAL beside the store (a folder it may not write to); say so, and what to do, instead of
 * SQLite's "unable to open database file".
 */
function cannotOpenReadOnly(path: string, operation: string, error: unknown): StoreError {
  if (sqliteCode(error)?.startsWith('SQLITE_CANTOPEN') && existsSync(`${path}-wal`) && !existsSync(`${path}-shm`)) {
    return new StoreError(
      path,
      'io',
      `cannot open read-only: the store has a write-ahead log (${basename(path)}-wal) that was never checkpointed, and SQLite cannot create its index (${basename(path)}-shm) in a folder it may not write to (read-only media?); copy the store together with its -wal file to writable storage, or open it once for writing where it lies`,
      { cause: error },
    );
  }
  return toStoreError(path, operation, error);
}

/** Validates an existing file through a connection that cannot modify it (see {@link openProbe}). */
function probeStore(path: string, check: IntegrityCheck): void {
  const db = openProbe(path);
  try {
    validateStore(path, db, check);
  } finally {
    db.close();
  }
}

/** Checks application_id, the meta table, the schema version and the tables, then runs `check`. */
function validateStore(path: string, db: Database.Database, check: IntegrityCheck): void {
  let appId: number;
  let tables: string[];
  try {
    appId = db.pragma('application_id', { simple: true }) as number;
    tables = (db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
  } catch (error) {
    const code = sqliteCode(error);
    if (code === 'SQLITE_NOTADB' || code?.startsWith('SQLITE_CORRUPT')) {
      throw new StoreError(path, 'corrupt', `corrupt: SQLite cannot read the schema (${error instanceof Error ? error.message : String(error)})`, { cause: error });
    }
    throw cannotOpenReadOnly(path, 'reading the schema', error);
  }
  const tableList = tables.length > 0 ? tables.slice(0, 8).join(', ') + (tables.length > 8 ? ', …' : '') : 'none';
  if (appId !== APPLICATION_ID) {
    throw new StoreError(
      path,
      'not-a-store',
      `not a naspoison store: an SQLite database with application_id ${hex(appId)} (naspoison uses ${hex(APPLICATION_ID)}); tables: ${tableList}`,
    );
  }
  if (!tables.includes('meta')) {
    throw new StoreError(path, 'not-a-store', `not a naspoison store: it has naspoison's application_id but no meta table; tables: ${tableList}`);
  }
  const meta = readMeta(path, db);
  if (meta.get('format') !== STORE_FORMAT) {
    throw new StoreError(path, 'not-a-store', `not a naspoison store: meta.format is ${JSON.stringify(meta.get('format') ?? null)}, expected "${STORE_FORMAT}"`);
  }
  const versionText = meta.get('schema_version');
  const version = Number(versionText);
  if (versionText === undefined || !Number.isInteger(version) || version < 1) {
    throw new StoreError(path, 'corrupt', `corrupt: meta.schema_version is ${JSON.stringify(versionText ?? null)}, not a positive integer`);
  }
  if (version > SCHEMA_VERSION) {
    throw new StoreError(
      path,
      'newer-schema',
      `store schema version ${version} is newer than this naspoison supports (${SCHEMA_VERSION}); upgrade naspoison to read it`,
    );
  }
  // Version < SCHEMA_VERSION would be migrated here; version 1 is the first.
  const missing = REQUIRED_TABLES.filter((t) => !tables.includes(t));
  if (missing.length > 0) throw new StoreError(path, 'corrupt', `corrupt: the store lacks table(s) ${missing.join(', ')}`);
  if (check !== 'none') runIntegrityCheck(path, db, check);
}

function readMeta(path: string, db: Database.Database): Map<string, string> {
  try {
    const rows = db.prepare('SELECT key, value FROM meta').all() as { key: unknown; value: unknown }[];
    return new Map(rows.filter((r) => typeof r.key === 'string' && typeof r.value === 'string').map((r) => [r.key as string, r.value as string]));
  } catch (error) {
    const code = sqliteCode(error);
    if (code === 'SQLITE_ERROR') {
      throw new StoreError(path, 'not-a-store', `not a naspoison store: its meta table is not naspoison's (${error instanceof Error ? error.message : String(error)})`, { cause: error });
    }
    throw toStoreError(path, 'reading the meta table', error);
  }
}

function runIntegrityCheck(path: string, db: Database.Database, check: 'quick' | 'full'): void {
  const pragma = check === 'quick' ? 'quick_check' : 'integrity_check';
  let messages: string[];
  try {
    const rows = db.pragma(`${pragma}(20)`, { simple: false }) as Record<string, unknown>[];
    messages = rows.map((row) => String(Object.values(row)[0]));
  } catch (error) {
    const code = sqliteCode(error);
    if (code === 'SQLITE_NOTADB' || code?.startsWith('SQLITE_CORRUPT')) {
      throw new StoreError(path, 'corrupt', `corrupt: PRAGMA ${pragma} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    throw toStoreError(path, `PRAGMA ${pragma}`, error);
  }
  if (messages.length !== 1 || messages[0] !== 'ok') {
    throw new StoreError(path, 'corrupt', `corrupt: PRAGMA ${pragma} reports: ${messages.slice(0, 5).join('; ')}${messages.length > 5 ? '; …' : ''}`);
  }
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

/** Opens the validated store for writing and applies the connection settings. */
function connect(path: string): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  } catch (error) {
    throw toStoreError(path, 'opening the store', error);
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    ensureWal(path, db);
    db.pragma('synchronous = FULL');
    return db;
  } catch (error) {
    db.close();
    throw toStoreError(path, 'configuring the connection', error);
  }
}

/**
 * Switches to WAL (stores are created in WAL mode; this restores it if someone changed it).
 * Changing the mode needs a moment without other connections, which the busy handler does not
 * always wait for, so retry until the busy timeout.
 */
function ensureWal(path: string, db: Database.Database): void {
  if (db.pragma('journal_mode', { simple: true }) === 'wal') return;
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode === 'wal') return;
      if (Date.now() > deadline) throw new StoreError(path, 'busy', `cannot switch the store to WAL journal mode (still ${String(mode)})`);
    } catch (error) {
      if (!sqliteCode(error)?.startsWith('SQLITE_BUSY') || Date.now() > deadline) throw error;
    }
    sleepSync(20);
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Creates a complete, empty store at `path`: builds it in a temporary file in the same folder,
 * then hard-links it into place (which fails if `path` appeared meanwhile — then the other
 * process's store is used). Parent folders are created.
 */
function createStoreFile(path: string): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new StoreError(path, 'io', `cannot create the folder ${dir}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const temp = join(dir, `.${basename(path)}.creating-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    const db = new Database(temp, { timeout: BUSY_TIMEOUT_MS });
    try {
      db.pragma('journal_mode = DELETE');
      db.transaction(() => {
        db.pragma(`application_id = ${APPLICATION_ID}`);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
        db.exec(SCHEMA_SQL);
        const insert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
        insert.run('format', STORE_FORMAT);
        insert.run('schema_version', String(SCHEMA_VERSION));
        insert.run('created_at', new Date().toISOString());
      }).immediate();
      // WAL is a persistent property of the file; set it last so the store is born in WAL mode.
      db.pragma('journal_mode = WAL');
    } finally {
      db.close();
    }
    publish(temp, path);
  } catch (error) {
    throw toStoreError(path, 'creating the store', error);
  } finally {
    for (const leftover of [temp, `${temp}-wal`, `${temp}-shm`, `${temp}-journal`]) {
      try {
        unlinkSync(leftover);
      } catch {
        // absent: nothing to clean
      }
    }
  }
}

/** Moves the finished temporary store to `path` unless a file appeared there meanwhile. */
function publish(temp: string, path: string): void {
  try {
    linkSync(temp, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return; // another process created it first: use theirs
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
      // No hard links on this file system: rename (not atomic against a concurrent creator).
      if (!existsSync(path)) renameSync(temp, path);
      return;
    }
    throw error;
  }
}
