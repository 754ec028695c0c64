// Leases in the store: a claim blocks other owners while it is live, an expired claim or one whose
// process is gone is taken over (and counted as a second computation), a finished one can be
// claimed again (a rerun), two processes racing for the same keys split them, and the heartbeat
// thread keeps a claim alive while the main thread is blocked.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { LeaseHeartbeat, leaseBlocks, leaseOwner, openLeases, type LeaseOwner } from './leases.js';
import { openStore } from './store.js';
import { runChild, tempDir } from './test-helpers.js';

const { dir, cleanup } = tempDir('naspoison-leases-');
afterAll(cleanup);

let n = 0;
function freshStore(): string {
  const path = join(dir, `store-${n++}.db`);
  openStore(path).close();
  return path;
}

/** A process id that no longer exists on this host. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('leases', () => {
  test('a live claim blocks others; its owner finishes it; a finished lease can be claimed again and counts twice', () => {
    const leases = openLeases(freshStore());
    const a = leaseOwner();
    const b = leaseOwner();
    expect(leases.get('trial:k')).toBeUndefined();
    expect(leases.claim('trial:k', a)).toEqual({ acquired: true });
    const blocked = leases.claim('trial:k', b);
    expect(blocked.acquired).toBe(false);
    expect(blocked.acquired === false && blocked.holder.owner).toBe(a.id);
    // The owner's own claim again is a renewal, not a second computation.
    expect(leases.claim('trial:k', a).acquired).toBe(true);
    expect(leases.get('trial:k')).toMatchObject({ state: 'running', claims: 1, owner: a.id });
    expect(leases.finish('trial:k', b)).toBe(false); // not b's to finish
    expect(leases.finish('trial:k', a)).toBe(true);
    expect(leases.get('trial:k')).toMatchObject({ state: 'done', claims: 1 });
    expect(leases.claim('trial:k', b)).toEqual({ acquired: true });
    expect(leases.get('trial:k')).toMatchObject({ state: 'running', claims: 2, owner: b.id });
    expect(leases.list('trial:').map((l) => l.key)).toEqual(['trial:k']);
    expect(leases.list('evaluation:')).toEqual([]);
    leases.close();
  });

  test('an expired claim from another host is taken over; a live one from another host is not', () => {
    const leases = openLeases(freshStore());
    const remote: LeaseOwner = { id: 'elsewhere:42:abcd', host: 'elsewhere', pid: 42 };
    const here = leaseOwner();
    const now = Date.now();
    expect(leases.claim('trial:x', remote, { ttlMs: 1000, now: now - 5000 }).acquired).toBe(true);
    expect(leases.claim('trial:y', remote, { ttlMs: 60_000, now }).acquired).toBe(true);
    const x = leases.claim('trial:x', here, { now });
    expect(x).toMatchObject({ acquired: true, tookOverFrom: { owner: remote.id } });
    expect(leases.get('trial:x')).toMatchObject({ claims: 2, owner: here.id });
    expect(leases.claim('trial:y', here, { now }).acquired).toBe(false);
    leases.close();
  });

  test('a claim whose process is gone from this host is taken over at once, before it expires', () => {
    const leases = openLeases(freshStore());
    const gone: LeaseOwner = { id: `${hostname()}:dead`, host: hostname(), pid: deadPid() };
    expect(leases.claim('trial:z', gone, { ttlMs: 3_600_000 }).acquired).toBe(true);
    expect(leaseBlocks(leases.get('trial:z')!, leaseOwner(), Date.now())).toBe(false);
    expect(leases.claim('trial:z', leaseOwner()).acquired).toBe(true);
    expect(leases.get('trial:z')!.claims).toBe(2);
    leases.close();
  });

  test('two processes racing for the same 40 keys acquire each exactly once', async () => {
    const path = freshStore();
    const go = join(dir, `go-${n}`);
    let ready = 0;
    let claimed = 0;
    // Both start claiming together, and finish only once both have tried every key.
    const children = [0, 1].map(() =>
      runChild('lease-claimer.ts', [path, go], (line) => {
        if (line === 'ready' && ++ready === 2) writeFileSync(go, '');
        if (line === 'claimed' && ++claimed === 2) writeFileSync(`${go}.finish`, '');
      }),
    );
    const results = await Promise.all(children);
    for (const r of results) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const [a, b] = results.map((r) => (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { acquired: string[] }).acquired);
    expect(a!.length + b!.length).toBe(40);
    expect(new Set([...a!, ...b!]).size).toBe(40);
    const leases = openLeases(path);
    expect(leases.list('trial:').every((l) => l.claims === 1 && l.state === 'done')).toBe(true);
    leases.close();
  }, 60_000);

  test('the heartbeat thread keeps a claim alive while the main thread is blocked, and stops with it', async () => {
    const path = freshStore();
    const leases = openLeases(path);
    const owner = leaseOwner();
    const other: LeaseOwner = { id: 'elsewhere:1:x', host: 'elsewhere', pid: 1 };
    expect(leases.claim('trial:h', owner, { ttlMs: 600 }).acquired).toBe(true);
    const errors: string[] = [];
    const heartbeat = new LeaseHeartbeat(path, owner, { ttlMs: 600, intervalMs: 100, onError: (m) => errors.push(m) });
    // Block the event loop well past the ttl, as a synchronous training step does.
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      /* busy */
    }
    await new Promise((r) => setTimeout(r, 50));
    const live = leases.get('trial:h')!;
    expect(live.expiresAt).toBeGreaterThan(Date.now());
    expect(leases.claim('trial:h', other).acquired).toBe(false);
    await heartbeat.stop();
    await new Promise((r) => setTimeout(r, 800));
    expect(leases.claim('trial:h', other)).toMatchObject({ acquired: true, tookOverFrom: { owner: owner.id } });
    expect(errors).toEqual([]);
    leases.close();
  }, 30_000);
});
