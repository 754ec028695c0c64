/**
 * Where and with what code a trial ran: the environment fingerprint (backend, TF.js, Node, OS,
 * CPU, GPU) and the code version (git commit, `-dirty` when the tree has changes). Results from
 * different environments are not mixed without saying so; {@link sameEnvironment} lists the
 * fields that differ.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EnvironmentFingerprint } from './types.js';

/** A field of an {@link EnvironmentFingerprint}. */
export type EnvironmentField = keyof EnvironmentFingerprint;

const ENVIRONMENT_FIELDS: readonly EnvironmentField[] = ['backend', 'tfjs', 'node', 'platform', 'arch', 'cpuModel', 'cpuCount', 'gpu'];

/**
 * The fingerprint of this process's machine for a trial run on `backend` with TF.js `tfjsVersion`.
 *
 * @param backend the active TF.js backend's name, and the GPU adapter's description where one ran
 */
export function environmentFingerprint(backend: { name: string; gpu?: string }, tfjsVersion: string): EnvironmentFingerprint {
  const processors = cpus();
  const model = processors[0]?.model.trim().replace(/\s+/g, ' ');
  const fingerprint: EnvironmentFingerprint = {
    backend: backend.name,
    tfjs: tfjsVersion,
    node: process.version,
    platform: platform(),
    arch: arch(),
    cpuModel: model !== undefined && model.length > 0 ? model : 'unknown',
    cpuCount: processors.length > 0 ? processors.length : availableParallelism(),
  };
  if (backend.gpu !== undefined) fingerprint.gpu = backend.gpu;
  return fingerprint;
}

/**
 * The fields in which two fingerprints differ (empty when they are the same environment), in a
 * fixed order. A field missing on one side and present on the other differs.
 *
 * @param options.ignore fields not to compare (e.g. `cpuModel` for a cluster of mixed CPUs)
 */
export function sameEnvironment(
  a: EnvironmentFingerprint,
  b: EnvironmentFingerprint,
  options: { ignore?: readonly EnvironmentField[] } = {},
): EnvironmentField[] {
  const ignored = new Set(options.ignore ?? []);
  return ENVIRONMENT_FIELDS.filter((field) => !ignored.has(field) && a[field] !== b[field]);
}

/** A one-line description of how two fingerprints differ, e.g. `backend: wasm ≠ tensorflow`. */
export function describeEnvironmentDifference(a: EnvironmentFingerprint, b: EnvironmentFingerprint): string {
  return sameEnvironment(a, b)
    .map((field) => `${field}: ${String(a[field] ?? '(none)')} ≠ ${String(b[field] ?? '(none)')}`)
    .join('; ');
}

/** Options of {@link codeVersion}; the defaults describe this checkout. */
export interface CodeVersionOptions {
  /** Folder whose repository is asked (default: the folder of this file). */
  cwd?: string;
  /** git executable (default `git`). */
  git?: string;
  /** Time limit for each git command in milliseconds (default 5000). */
  timeoutMs?: number;
}

let cachedDefault: string | undefined;

/**
 * The code version: `NASPOISON_CODE_VERSION` when set (for builds without `.git`), else the git
 * commit of the repository containing this file, suffixed `-dirty` when `git status --porcelain`
 * lists anything; else the `version` of the nearest package.json; else `unknown`. The default
 * call is computed once per process.
 */
export function codeVersion(options: CodeVersionOptions = {}): string {
  const isDefault = options.cwd === undefined && options.git === undefined && options.timeoutMs === undefined;
  if (isDefault && cachedDefault !== undefined) return cachedDefault;
  const fromEnv = process.env['NASPOISON_CODE_VERSION'];
  const cwd = options.cwd ?? dirname(fileURLToPath(import.meta.url));
  const version = fromEnv !== undefined && fromEnv.length > 0 ? fromEnv : (gitVersion(cwd, options) ?? packageVersion(cwd) ?? 'unknown');
  if (isDefault) cachedDefault = version;
  return version;
}

function gitVersion(cwd: string, options: CodeVersionOptions): string | undefined {
  const run = (args: string[]): string =>
    execFileSync(options.git ?? 'git', args, {
      cwd,
      encoding: 'utf8',
      timeout: options.timeoutMs ?? 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
      windowsHide: true,
    });
  try {
    const head = run(['rev-parse', 'HEAD']).trim();
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(head)) return undefined;
    const dirty = run(['status', '--porcelain']).trim().length > 0;
    return dirty ? `${head}-dirty` : head;
  } catch {
    return undefined;
  }
}

/** The `version` of the nearest package.json at or above `start`. */
function packageVersion(start: string): string | undefined {
  let dir = start;
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
        if (typeof pkg.version === 'string' && pkg.version.length > 0) return pkg.version;
      } catch {
        // unreadable package.json: keep looking upwards
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
