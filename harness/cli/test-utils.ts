/** Helpers for CLI tests: run `node bin/naspoison.mjs` as a user does, with colours forced off. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The CLI entry point. */
export const CLI = join(ROOT, 'bin/naspoison.mjs');
/** The tiny test tier. */
export const TINY = join(ROOT, 'fixtures/tiers/tiny.json');
/** An ANSI escape (colour) sequence. */
// eslint-disable-next-line no-control-regex
export const ANSI = /\u001b\[/;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with NO_COLOR=1 (and FORCE_COLOR=1, which NO_COLOR must override) on the wasm backend. */
export function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '1', NASPOISON_BACKEND: 'wasm', NASPOISON_TIER: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** An SQLite header (page size 4096, 2 pages) followed by noise: opens as SQLite, reads as garbage. */
export function corruptSqlite(): Buffer {
  const bytes = Buffer.alloc(8192);
  Buffer.from('SQLite format 3\0', 'latin1').copy(bytes);
  bytes.writeUInt16BE(4096, 16);
  bytes[18] = 1;
  bytes[19] = 1;
  bytes.writeUInt32BE(2, 28);
  let x = 12345;
  for (let i = 100; i < bytes.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}
