import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, truncateSync, writeFileSync, openSync, writeSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, test } from 'vitest';
import { StoreError, type StoreErrorCode } from './errors.js';
import { APPLICATION_ID } from './schema.js';
import { openStore } from './store.js';
import { fileSha256, makeTrial, tempDir } from './test-helpers.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

/** A closed store with `n` trials whose pages are all in the main file (the WAL was checkpointed on close). */
function storeWith(name: string, n: number): string {
  const path = join(dir, name);
  const store = openStore(path);
  store.putTrials(Array.from({ length: n }, (_, i) => makeTrial({ trialIndex: i }, { params: { padding: 'p'.repeat(500), i } })));
  store.close();
  return path;
}

/** Expects opening `path` (read-write, then read-only) to fail with `code` and `message`, leaving the folder byte-for-byte unchanged. */
function expectRefused(path: string, code: StoreErrorCode, message: RegExp): void {
  const before = readdirSync(dir).sort();
  const hash = fileSha256(path);
  for (const options of [{}, { readonly: true }, { create: false }]) {
    let caught: unknown;
    try {
      openStore(path, options).close();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StoreError);
    const error = caught as StoreError;
    expect(error.code).toBe(code);
    expect(error.file).toBe(path);
    expect(error.message.startsWith(`${path}: `)).toBe(true);
    expect(error.message).toMatch(message);
  }
  expect(fileSha256(path)).toBe(hash);
  expect(readdirSync(dir).sort()).toEqual(before);
}

describe('openStore refuses files that are not naspoison stores, and leaves them unchanged', () => {
  test('a text file', () => {
    const path = join(dir, 'notes.sqlite');
    writeFileSync(path, 'these are my notes, not a database\n');
    expectRefused(path, 'not-a-store', /not a naspoison store: not an SQLite database \(it starts with "these are my not"\)/);
  });

  test('random bytes', () => {
    const path = join(dir, 'random.bin');
    writeFileSync(path, randomBytes(8192));
    expectRefused(path, 'not-a-store', /not a naspoison store: not an SQLite database \(it starts with bytes [0-9a-f ]+\)/);
  });

  test('an empty file', () => {
    const path = join(dir, 'empty.sqlite');
    writeFileSync(path, '');
    expectRefused(path, 'not-a-store', /not a naspoison store: the file is empty/);
  });

  test("another application's SQLite database", () => {
    const path = join(dir, 'other-app.db');
    const db = new Database(path);
    db.exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('Ada')`);
    db.close();
    expectRefused(path, 'not-a-store', /not a naspoison store: an SQLite database with application_id 0x00000000 \(naspoison uses 0x4E415350\); tables: customers/);
  });

  test('an SQLite database with a meta table but another application_id', () => {
    const path = join(dir, 'other-meta.db');
    const db = new Database(path);
    db.pragma('application_id = 1234');
    db.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES ('format', 'naspoison-store'), ('schema_version', '1')`);
    db.close();
    expectRefused(path, 'not-a-store', /application_id 0x000004D2/);
  });

  test("naspoison's application_id without a naspoison meta table", () => {
    const path = join(dir, 'no-meta.db');
    const db = new Database(path);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.exec('CREATE TABLE things (x)');
    db.close();
    expectRefused(path, 'not-a-store', /not a naspoison store: it has naspoison's application_id but no meta table/);

    const other = join(dir, 'foreign-format.db');
    const db2 = new Database(other);
    db2.pragma(`application_id = ${APPLICATION_ID}`);
    db2.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES ('format', 'something-else')`);
    db2.close();
    expectRefused(other, 'not-a-store', /meta\.format is "something-else", expected "naspoison-store"/);
  });
});

describe('openStore refuses damaged stores, and leaves them unchanged', () => {
  test('truncated inside the SQLite header', () => {
    const path = storeWith('header-cut.sqlite', 1);
    truncateSync(path, 40);
    expectRefused(path, 'corrupt', /corrupt: truncated SQLite file of 40 bytes/);
  });

  test('truncated mid-page', () => {
    const path = storeWith('mid-page-cut.sqlite', 50);
    truncateSync(path, statSync(path).size - 1000);
    expectRefused(path, 'corrupt', /corrupt: the file size \d+ is not a multiple of the page size 4096/);
  });

  test('truncated at a page boundary', () => {
    const path = storeWith('page-cut.sqlite', 200);
    const size = statSync(path).size;
    truncateSync(path, Math.floor(size / 2 / 4096) * 4096);
    expectRefused(path, 'corrupt', /corrupt: truncated: the header records \d+ pages/);
  });

  test('a page overwritten with garbage (found by quick_check)', () => {
    const path = storeWith('garbage-page.sqlite', 200);
    const pages = statSync(path).size / 4096;
    const fd = openSync(path, 'r+');
    writeSync(fd, randomBytes(4096), 0, 4096, (pages - 3) * 4096);
    closeSync(fd);
    expectRefused(path, 'corrupt', /corrupt: /);
  });

  test('a store from a newer schema version', () => {
    const path = storeWith('future.sqlite', 1);
    const db = new Database(path);
    db.prepare(`UPDATE meta SET value = '99' WHERE key = 'schema_version'`).run();
    db.close();
    expectRefused(path, 'newer-schema', /store schema version 99 is newer than this naspoison supports \(1\); upgrade naspoison/);
  });

  test('an intact store still opens after all that, with its rows', () => {
    const path = storeWith('intact.sqlite', 3);
    const store = openStore(path, { integrityCheck: 'full' });
    expect(store.countTrials()).toBe(3);
    store.close();
    expect(readFileSync(path).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
  });
});
