/**
 * The spec files a `naspoison run` filter selects, found before vitest starts so that a filter
 * that matches nothing is a usage error (exit 2) rather than an empty run recorded in the store.
 * Matching follows vitest's own rule for file filters (a case-insensitive substring of the path
 * relative to the root, or of the filter made relative, or an absolute path prefix; a `:line`
 * suffix is ignored), over the `bench` project's files.
 */
import { readdirSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UsageError } from './terminal.js';

/** Where the `bench` project's spec files live and how they end (vitest.config.ts: benchmarks/**\/*.spec.ts). */
export const SPEC_ROOT = 'benchmarks';
const SPEC_SUFFIX = '.spec.ts';

/** Every spec file under `<root>/benchmarks`, as paths relative to `root` with `/`, sorted. */
export function listSpecFiles(root: string = process.cwd()): string[] {
  let entries: string[];
  try {
    entries = readdirSync(join(root, SPEC_ROOT), { recursive: true, encoding: 'utf8' });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.endsWith(SPEC_SUFFIX) && !e.split(sep).includes('node_modules'))
    .map((e) => `${SPEC_ROOT}/${e.split(sep).join('/')}`)
    .sort();
}

/** Whether `file` (relative to `root`) is selected by `filter`, as vitest decides it. */
function matches(file: string, filter: string, root: string): boolean {
  // vitest reads "path:12" as a line filter on path.
  const name = /:\d+$/.test(filter) ? filter.slice(0, filter.lastIndexOf(':')) : filter;
  if (isAbsolute(name) && resolve(root, file).startsWith(name)) return true;
  const lower = file.toLocaleLowerCase();
  const rel = relative(root, resolve(root, name)).split(sep).join('/');
  return lower.includes(name.toLocaleLowerCase()) || (rel !== '' && lower.includes(rel.toLocaleLowerCase()));
}

/**
 * The spec files `filters` select (all of them without filters).
 *
 * @throws UsageError naming each filter that matches no spec file, and the files there are
 */
export function matchSpecFiles(filters: readonly string[], root: string = process.cwd()): string[] {
  const files = listSpecFiles(root);
  if (files.length === 0) throw new UsageError(`no spec files (${SPEC_ROOT}/**/*${SPEC_SUFFIX}) under ${root}; run naspoison from the project root`);
  if (filters.length === 0) return files;
  const unmatched = filters.filter((f) => !files.some((file) => matches(file, f, root)));
  if (unmatched.length > 0) {
    const named = unmatched.map((f) => `"${f}"`).join(', ');
    throw new UsageError(`no spec file matches ${named}; the spec files are ${files.join(', ')}`);
  }
  return files.filter((file) => filters.some((f) => matches(file, f, root)));
}

/** What a run selects: the filters it hands vitest, and the tier's subset when that chose them. */
export interface SpecSelection {
  /** Spec filters for vitest (empty: every spec file). */
  filters: string[];
  /** The selected files. */
  files: string[];
  /** The tier's default subset, when no filter and no --all were given and the tier names one. */
  subset?: { why: string; of: number };
}

/**
 * The spec files of a run: the user's filters; else, without `--all`, the tier's documented
 * default subset (`defaultSpecs`); else every spec file.
 *
 * @throws UsageError for `--all` together with filters, and for filters that match nothing
 */
export function selectSpecFiles(
  options: { filters: readonly string[]; all: boolean; defaultSpecs?: { filters: readonly string[]; why: string } },
  root: string = process.cwd(),
): SpecSelection {
  if (options.all && options.filters.length > 0) throw new UsageError('--all runs every spec file: give it or spec filters, not both');
  if (options.filters.length === 0 && !options.all && options.defaultSpecs) {
    const filters = [...options.defaultSpecs.filters];
    return { filters, files: matchSpecFiles(filters, root), subset: { why: options.defaultSpecs.why, of: listSpecFiles(root).length } };
  }
  return { filters: [...options.filters], files: matchSpecFiles(options.filters, root) };
}
