#!/usr/bin/env node
// Stand-in for `npx` (and `npm`) in harness/cli/examples.test.ts: appends its arguments to the file
// FAKE_LOG as one JSON line, and does what the real command leaves behind that the example scripts
// rely on — the store of `naspoison run` or `merge`, the report of a `naspoison run --out … --run-id …`
// — then exits with FAKE_RUN_EXIT for a `naspoison run` that is not a shard (the verdict run).
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const args = process.argv.slice(2);
appendFileSync(process.env.FAKE_LOG, `${JSON.stringify([process.env.FAKE_NAME ?? 'npx', ...args])}\n`);
const value = (flag) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};
const touch = (path) => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, '');
};
if (args[0] === 'naspoison' && args[1] === 'run') {
  const store = value('--store');
  if (store) touch(store);
  const out = value('--out');
  const runId = value('--run-id');
  if (out && runId) {
    mkdirSync(join(out, runId), { recursive: true });
    writeFileSync(join(out, runId, 'report.md'), `# naspoison robustness report: ${runId}\n`);
  }
  if (!args.includes('--shard')) process.exit(Number(process.env.FAKE_RUN_EXIT ?? '0'));
}
if (args[0] === 'naspoison' && args[1] === 'merge') touch(args[2]);
