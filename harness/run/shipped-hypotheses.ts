/**
 * The poisoning matrices the shipped spec files declare, found by a light static read (no vitest,
 * no import of the spec files): a regular expression over the `poisoningMatrix({ … })` object
 * literals of benchmarks/**\/*.spec.ts, reading `nas`, `attack`, `budgets` and `track` when they
 * are written as literals (as every shipped spec file writes them). A matrix built from variables
 * or spread options is listed with what could be read and `complete: false`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One `poisoningMatrix({ … })` call of a spec file. */
export interface ShippedMatrix {
  /** Path relative to the repository root. */
  file: string;
  nas: string | null;
  attack: string | null;
  budgets: number[];
  /** Tracked diagnostics (besides accuracy / ΔImp, which every matrix tests). */
  track: string[];
  /** Trials per arm the matrix declares (`trials: N`; the max of `trials: { min, max }`), or null for the tier's. */
  trials: number | null;
  /** False when a field was not a literal the static read understands. */
  complete: boolean;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

function specFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .flatMap((e) => (e.isDirectory() ? (e.name === 'node_modules' ? [] : specFiles(join(dir, e.name))) : e.name.endsWith('.spec.ts') ? [join(dir, e.name)] : []))
    .sort();
}

function stringField(body: string, name: string): string | null {
  return new RegExp(`\\b${name}\\s*:\\s*(['"\`])([^'"\`]*)\\1`).exec(body)?.[2] ?? null;
}

function arrayField(body: string, name: string): string[] | null {
  const m = new RegExp(`\\b${name}\\s*:\\s*\\[([^\\]]*)\\]`).exec(body);
  if (!m) return null;
  return m[1]!
    .split(',')
    .map((s) => s.trim().replace(/^['"`]|['"`]$/g, ''))
    .filter((s) => s !== '');
}

/** Reads the matrices declared in one spec file's source. */
export function parseSpecSource(source: string, file: string): ShippedMatrix[] {
  const matrices: ShippedMatrix[] = [];
  // One level of nested braces: `margins: { … }`, `trials: { min, max }`.
  for (const m of source.matchAll(/poisoningMatrix\(\s*\{((?:[^{}]|\{[^{}]*\})*)\}\s*\)/g)) {
    const body = m[1]!;
    const nas = stringField(body, 'nas');
    const attack = stringField(body, 'attack');
    const budgetTexts = arrayField(body, 'budgets');
    const budgets = (budgetTexts ?? []).map(Number);
    const trackTexts = arrayField(body, 'track');
    const trackMentioned = /\btrack\s*:/.test(body);
    const complete = nas !== null && attack !== null && budgetTexts !== null && budgets.every(Number.isFinite) && (!trackMentioned || trackTexts !== null);
    // `trials: N`, or a sequential `trials: { min, max }` at its maximum.
    const trials = /\btrials\s*:\s*(\d+)\b/.exec(body) ?? /\btrials\s*:\s*\{[^}]*\bmax\s*:\s*(\d+)/.exec(body);
    matrices.push({ file, nas, attack, budgets: budgets.filter(Number.isFinite), track: trackTexts ?? [], trials: trials ? Number(trials[1]) : null, complete });
  }
  return matrices;
}

/** The matrices of every spec file under `<root>/benchmarks` (default: this repository's). */
export function findShippedMatrices(root: string = REPO_ROOT): ShippedMatrix[] {
  return specFiles(join(root, 'benchmarks')).flatMap((path) => parseSpecSource(readFileSync(path, 'utf8'), relative(root, path)));
}
