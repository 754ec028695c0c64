/**
 * Child process of leases.test.ts: opens the store at argv[2] and its leases, prints `ready`,
 * waits for the file argv[3] to appear, then tries to claim each of 40 keys, holding what it gets
 * (as a process computing them would), prints `claimed`, waits for the file argv[3] + `.finish`,
 * marks its keys done and prints a JSON line `{"acquired":[…keys]}`. Two of these racing must split
 * the keys.
 */
import { existsSync } from 'node:fs';
import { openStore } from '../store.js';
import { leaseOwner, openLeases } from '../leases.js';

const [path, goFile] = process.argv.slice(2);
if (path === undefined || goFile === undefined) throw new Error('usage: lease-claimer <store> <go-file>');

openStore(path).close();
const leases = openLeases(path);
const owner = leaseOwner();
console.log('ready');
while (!existsSync(goFile)) await new Promise((r) => setTimeout(r, 2));

const acquired: string[] = [];
for (let i = 0; i < 40; i++) {
  const key = `trial:${i}`;
  if (leases.claim(key, owner).acquired) acquired.push(key);
}
console.log('claimed');
while (!existsSync(`${goFile}.finish`)) await new Promise((r) => setTimeout(r, 2));
for (const key of acquired) leases.finish(key, owner);
leases.close();
console.log(JSON.stringify({ acquired }));
