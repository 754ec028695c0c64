/**
 * Child process of store-crash-safety.test.ts. Opens the store at argv[2], commits one trial
 * (trialIndex 0), then opens a second raw connection with a tiny page cache, begins a
 * transaction and inserts 400 trials (which spills uncommitted pages into the WAL), prints
 * `in-transaction <wal bytes>` and waits to be killed without ever committing.
 */
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { openStore } from '../store.js';
import { trialToRow } from '../rows.js';
import { makeTrial } from '../test-helpers.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: killed-in-transaction <store>');

const store = openStore(path);
store.putTrial(makeTrial({ matrix: 'committed', trialIndex: 0 }));

const raw = new Database(path, { fileMustExist: true });
raw.pragma('cache_size = 2');
raw.exec('BEGIN IMMEDIATE');
const columns = Object.keys(trialToRow(makeTrial()));
const insert = raw.prepare(`INSERT INTO trials (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`);
const padding = 'x'.repeat(2000);
for (let i = 0; i < 400; i++) insert.run(trialToRow(makeTrial({ matrix: 'uncommitted', trialIndex: i }, { params: { padding, i } })));
console.log(`in-transaction ${statSync(`${path}-wal`).size}`);
setInterval(() => undefined, 1000);
