/**
 * Plugin modules: the modules that register a run's own NAS methods, attacks and defences. Every
 * process of a run imports them before it plans or runs a trial — the CLI, each spec process (the
 * bench setup file) and each trial worker — so a method registered there is known everywhere.
 *
 * A run's plugin modules are every `*.plugin.ts` (`.mts`, `.js`, `.mjs`) file beside a spec file it
 * runs, and each module named with `naspoison run --plugin <module>`.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { attacks } from '../attacks/index.js';
import { defences } from '../defences/index.js';
import { nasAlgorithms } from '../nas/index.js';

/** How a plugin module beside a spec file is named. */
export const PLUGIN_MODULE_PATTERN = /\.plugin\.(ts|mts|js|mjs)$/;

/** The plugin modules beside a spec file (absolute paths, sorted): `*.plugin.ts` in its folder. */
export function pluginModulesBeside(specFile: string): string[] {
  const folder = dirname(resolve(specFile));
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  return names
    .filter((n) => PLUGIN_MODULE_PATTERN.test(n))
    .map((n) => join(folder, n))
    .filter((p) => statSync(p).isFile())
    .sort();
}

/**
 * A `--plugin` argument as every process can import it: a path (it starts with `.` or `/`, or names
 * an existing file) becomes absolute; anything else is a package name, kept as given.
 *
 * @throws Error naming a path that does not exist
 */
export function resolvePluginModule(name: string, cwd: string = process.cwd()): string {
  const looksLikePath = name.startsWith('.') || isAbsolute(name) || existsSync(resolve(cwd, name));
  if (!looksLikePath) return name;
  const path = resolve(cwd, name);
  if (!existsSync(path)) throw new Error(`--plugin ${name}: ${path} does not exist`);
  return path;
}

/** Modules imported by this process (absolute paths or package names), in order. */
const imported: string[] = [];
/** NAS algorithms, attacks and defences registered once this process's plugin modules were imported. */
let registeredByPlugins: { readonly nas: ReadonlySet<string>; readonly attack: ReadonlySet<string>; readonly defence: ReadonlySet<string> } | undefined;

/**
 * Imports plugin modules (each once per process), then notes which NAS algorithms are registered:
 * the ones every process of the run knows (see {@link nasKnownToWorkers}).
 *
 * @throws Error naming the module that failed to load, and why
 */
export async function importPluginModules(modules: readonly string[]): Promise<void> {
  for (const module of modules) {
    if (imported.includes(module)) continue;
    try {
      // An absolute path imports as itself on POSIX (vitest resolves it to the same module as a
      // spec file's own import of it); Windows paths need a file URL.
      await import(process.platform === 'win32' && isAbsolute(module) ? pathToFileURL(module).href : module);
    } catch (error) {
      throw new Error(`plugin module ${module} failed to load: ${(error as Error).message}`);
    }
    imported.push(module);
  }
  registeredByPlugins = { nas: new Set(nasAlgorithms.names()), attack: new Set(attacks.names()), defence: new Set(defences.names()) };
}

/** The plugin modules this process imported (what its trial workers are told to import). */
export function importedPluginModules(): readonly string[] {
  return [...imported];
}

/**
 * Whether a NAS algorithm (`kind` 'nas') or an attack is registered by a built-in or a plugin
 * module — and so is known to the trial workers — rather than only by a spec file (which workers
 * never load). Undefined when this process imported no plugin set yet (outside a run's spec
 * process: then nothing can be told).
 */
export function knownToWorkers(kind: 'nas' | 'attack' | 'defence', name: string): boolean | undefined {
  return registeredByPlugins === undefined ? undefined : registeredByPlugins[kind].has(name);
}
