/**
 * Child process of store-concurrent-writers.test.ts: opens (creating if need be) the store at
 * argv[2], prints `ready`, waits for the file argv[4] to appear, then writes 50 trials of its own
 * (worker id argv[3]) interleaved with 10 trials every worker writes, one transaction each, and
 * prints a JSON line `{"own":…,"shared":…}` with how many of each it inserted.
 */
import { existsSync } from 'node:fs';
import { openStore } from '../store.js';
import { makeTrial } from '../test-helpers.js';

const [path, workerText, goFile] = process.argv.slice(2);
if (path === undefined || workerText === undefined || goFile === undefined) throw new Error('usage: concurrent-writer <store> <worker> <go-file>');
const worker = Number(workerText);

const store = openStore(path);
console.log('ready');
while (!existsSync(goFile)) await new Promise((r) => setTimeout(r, 2));

const t0 = Date.now();
let own = 0;
let shared = 0;
for (let i = 0; i < 50; i++) {
  if (store.putTrial(makeTrial({ matrix: `worker-${worker}`, trialIndex: i }))) own++;
  if (i % 5 === 0) {
    const s = i / 5;
    if (store.putTrial(makeTrial({ matrix: 'shared', trialIndex: s }, { codeVersion: `worker-${worker}` }))) shared++;
  }
}
store.close();
console.log(JSON.stringify({ own, shared, ms: Date.now() - t0 }));
