/**
 * Child process of store-crash-safety.test.ts: writes trials to the store at argv[2] one
 * transaction at a time, printing `wrote <n>` after each, until it is killed.
 */
import { openStore } from '../store.js';
import { makeTrial } from '../test-helpers.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: killed-while-writing <store>');
const store = openStore(path);
const padding = 'y'.repeat(3000);
for (let i = 0; ; i++) {
  store.putTrial(makeTrial({ matrix: 'loop', trialIndex: i }, { params: { padding, i } }));
  console.log(`wrote ${i + 1}`);
}
