/**
 * Helpers for this folder's tests: temporary folders, file hashes, sample trial records and
 * running the child-process scripts in `testing/`. Not part of the public API.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trialKey } from './trial-key.js';
import type { EnvironmentFingerprint, TrialIdentity, TrialRecord } from './types.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The repository root (where `tsx` resolves from). */
export const REPO_ROOT = resolve(HERE, '..', '..');

/** A fresh temporary folder and a function that removes it. */
export function tempDir(prefix = 'naspoison-store-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** sha256 of a file's bytes. */
export function fileSha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** A fixed environment fingerprint for tests. */
export const TEST_ENVIRONMENT: EnvironmentFingerprint = {
  backend: 'cpu',
  tfjs: '4.22.0',
  node: 'v20.0.0',
  platform: 'linux',
  arch: 'x64',
  cpuModel: 'Test CPU',
  cpuCount: 2,
};

/** A completed trial record; `identity` and `overrides` change fields (the key follows the identity). */
export function makeTrial(identity: Partial<TrialIdentity> = {}, overrides: Partial<TrialRecord> = {}): TrialRecord {
  const id: TrialIdentity = {
    matrix: 'pdarts × random-label-flip',
    nas: 'pdarts',
    attack: 'random-label-flip',
    budget: 0.1,
    defence: 'none',
    trialIndex: 0,
    tier: 'smoke',
    ...identity,
  };
  const params = { epochs: 2, lr: 0.1 };
  return {
    ...id,
    trialKey: trialKey(id, params, 'sha256:data', TEST_ENVIRONMENT.backend),
    seed: 1000 + id.trialIndex,
    status: 'completed',
    dataset: 'fashion-mnist',
    datasetHash: 'sha256:data',
    poisonHash: id.attack === 'clean' ? null : 'sha256:poison',
    genotype: '|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|',
    canonicalGenotype: 'c1',
    accuracy: 81.25,
    randomBaselineMean: 78.5,
    deltaImprovement: 2.75,
    diagnostics: { searchMs: 1234.5, skipConnections: 1, converged: true, note: null },
    params,
    environment: { ...TEST_ENVIRONMENT },
    codeVersion: 'abc123',
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:01:00.000Z',
    durationMs: 60_000,
    ...overrides,
  };
}

/** Result of a child process. */
export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts `testing/<script>` under `node --import tsx` with `args`. `onLine` sees each stdout line
 * as it arrives (and may kill the child).
 */
export function runChild(
  script: string,
  args: readonly string[],
  onLine?: (line: string, kill: (signal: NodeJS.Signals) => void) => void,
): Promise<ChildResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, 'testing', script), ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        onLine?.(line, (signal) => child.kill(signal));
      }
    });
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}
