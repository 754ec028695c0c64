/**
 * The run configuration: what every process of a run must agree on — the tier (loaded and checked
 * once), backend, store, data, run id, strictness, worker count, code version and plugin modules.
 * Built once, by the CLI (`naspoison run | calibrate`) from its flags and the documented
 * environment inputs (NASPOISON_TIER, NASPOISON_BACKEND, NASPOISON_STORE, NASPOISON_WORKERS); it
 * travels as JSON — to the spec processes in the environment variable {@link RUN_CONFIG_ENV}, to
 * trial workers in their job file — and every process builds its run context from it. Nothing else
 * is relayed by side channel.
 *
 * Without the CLI (`npx vitest --project bench`, a unit test), {@link buildRunConfig} builds one from
 * what it is given and the same environment inputs.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseBackendChoice } from '../engine/backend.js';
import { codeVersion } from '../store/index.js';
import { DEFAULT_STORE_PATH } from './defaults.js';
import { resolvePluginModule } from './plugins.js';
import { loadTier, validateTier, type Tier } from './tiers.js';

/** The environment variable that carries the run configuration (JSON) to the spec processes. */
export const RUN_CONFIG_ENV = 'NASPOISON_RUN_CONFIG';

/** Everything a run's processes share, serialisable as JSON. */
export interface RunConfig {
  /** Format of this object. */
  readonly version: 1;
  readonly runId: string;
  /** The tier as the user named it (a built-in name or a file path): what a shard's plan arguments repeat. */
  readonly tierSource: string;
  /** The tier, schema-checked (each NAS block by its method, once the method is registered). */
  readonly tier: Tier;
  /** TF.js backend: the one the CLI resolved (`auto` is pinned to the backend that loaded), or a choice. */
  readonly backend: string;
  /** Absolute path of the SQLite store. */
  readonly storePath: string;
  /** Absolute path of a data folder (`--data-dir`), or null for the built-in locations. */
  readonly dataDir: string | null;
  /** Force the committed Fashion-MNIST subset (`--fixture`). */
  readonly fixtureOnly: boolean;
  /** Undecided assertions fail instead of being skipped (`--strict`). */
  readonly strict: boolean;
  /** Trial worker processes (1: trials run in the spec process). */
  readonly workers: number;
  /** The code version every trial of the run records (computed once, so all processes agree). */
  readonly codeVersion: string;
  /**
   * Plugin modules every process imports before it plans or runs a trial: absolute paths, or
   * package names (see harness/run/plugins.ts).
   */
  readonly plugins: readonly string[];
}

/** What a run configuration is built from; everything optional (defaults: the environment inputs, then the built-in defaults). */
export interface RunConfigInputs {
  /** Built-in tier name or tier file path (default: NASPOISON_TIER, else `smoke`). */
  tier?: string;
  /** Backend choice (default: NASPOISON_BACKEND, else `auto`). */
  backend?: string;
  /** Store path (default: NASPOISON_STORE, else .naspoison/store.db). */
  storePath?: string;
  dataDir?: string | null;
  fixtureOnly?: boolean;
  /** Run id (default: the time of day). */
  runId?: string;
  strict?: boolean;
  /** Worker processes (default: NASPOISON_WORKERS, else one per core, at most 8). */
  workers?: number;
  /** Plugin modules as the user named them (paths are made absolute). */
  plugins?: readonly string[];
}

/** The environment inputs a configuration reads (a subset of process.env). */
export type RunEnvironment = Readonly<Record<string, string | undefined>>;

/** A run id: the time of day (sortable, unique enough per machine). */
export function newRunId(now = new Date()): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
}

/** The tier a command runs: its `--tier`, else NASPOISON_TIER, else `smoke`. */
export function tierArgument(flag: string | undefined, env: RunEnvironment = process.env): string {
  return flag ?? (env.NASPOISON_TIER || 'smoke');
}

/**
 * Worker processes: NASPOISON_WORKERS, else the number of cores (at most 8).
 *
 * @throws Error naming NASPOISON_WORKERS when it is not a positive integer
 */
export function workerCount(env: RunEnvironment = process.env): number {
  const text = env.NASPOISON_WORKERS;
  if (text !== undefined && text !== '') {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`NASPOISON_WORKERS must be a positive integer, got "${text}"`);
    return n;
  }
  return Math.max(1, Math.min(8, availableParallelism()));
}

/**
 * Builds a configuration: each field from `inputs`, else from `base` (a configuration being
 * refined), else from the environment inputs and built-in defaults. Loads and checks the tier when
 * `inputs` names one or there is no base.
 *
 * @throws Error naming a bad tier, backend, worker count or plugin path (the CLI makes these usage errors)
 */
export function buildRunConfig(inputs: RunConfigInputs = {}, base?: RunConfig, env: RunEnvironment = process.env): RunConfig {
  const tierSource = inputs.tier ?? base?.tierSource ?? tierArgument(undefined, env);
  const tier = inputs.tier === undefined && base ? base.tier : loadTier(tierSource);
  const backend = inputs.backend ?? base?.backend ?? parseBackendChoice(env.NASPOISON_BACKEND, 'NASPOISON_BACKEND');
  parseBackendChoice(backend);
  const dataDir = inputs.dataDir !== undefined ? inputs.dataDir : (base?.dataDir ?? null);
  const workers = inputs.workers ?? base?.workers ?? workerCount(env);
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a positive integer, got ${workers}`);
  return {
    version: 1,
    runId: inputs.runId ?? base?.runId ?? newRunId(),
    tierSource,
    tier,
    backend,
    storePath: resolve(inputs.storePath ?? base?.storePath ?? (env.NASPOISON_STORE || DEFAULT_STORE_PATH)),
    dataDir: dataDir === null ? null : resolve(dataDir),
    fixtureOnly: inputs.fixtureOnly ?? base?.fixtureOnly ?? false,
    strict: inputs.strict ?? base?.strict ?? false,
    workers,
    codeVersion: base?.codeVersion ?? codeVersion(),
    plugins: inputs.plugins ? [...new Set(inputs.plugins.map((p) => resolvePluginModule(p)))] : (base?.plugins ?? []),
  };
}

/** The configuration as JSON (what {@link RUN_CONFIG_ENV} and a worker's job file hold). */
export function encodeRunConfig(config: RunConfig): string {
  return JSON.stringify(config);
}

const isString = (x: unknown): x is string => typeof x === 'string';

/**
 * Reads a configuration from JSON, checking its shape and its tier.
 *
 * @param origin names where it came from in messages (e.g. `NASPOISON_RUN_CONFIG`)
 * @throws Error naming the origin and the first field that is wrong
 */
export function parseRunConfig(json: string, origin: string): RunConfig {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`${origin} is not valid JSON: ${(error as Error).message}`);
  }
  const c = value as Partial<Record<keyof RunConfig, unknown>>;
  const fields: Array<[keyof RunConfig, (x: unknown) => boolean, string]> = [
    ['version', (x) => x === 1, '1'],
    ['runId', isString, 'a string'],
    ['tierSource', isString, 'a string'],
    ['tier', (x) => typeof x === 'object' && x !== null, 'a tier object'],
    ['backend', isString, 'a string'],
    ['storePath', isString, 'a string'],
    ['dataDir', (x) => x === null || isString(x), 'a string or null'],
    ['fixtureOnly', (x) => typeof x === 'boolean', 'a boolean'],
    ['strict', (x) => typeof x === 'boolean', 'a boolean'],
    ['workers', (x) => Number.isInteger(x) && (x as number) >= 1, 'a positive integer'],
    ['codeVersion', isString, 'a string'],
    ['plugins', (x) => Array.isArray(x) && x.every(isString), 'a list of module names'],
  ];
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new Error(`${origin} must be a JSON object (a run configuration)`);
  for (const [field, ok, what] of fields) if (!ok(c[field])) throw new Error(`${origin}: ${field} must be ${what}, got ${JSON.stringify(c[field])}`);
  const config = c as unknown as RunConfig;
  validateTier(config.tier, `${config.tierSource} (from ${origin})`);
  return config;
}

let ambient: RunConfig | undefined;

/**
 * This process's configuration: the one the CLI handed down in {@link RUN_CONFIG_ENV}, else one
 * built from the environment inputs (a spec run by plain vitest). Read once per process.
 */
export function ambientRunConfig(env: RunEnvironment = process.env): RunConfig {
  if (ambient) return ambient;
  const json = env[RUN_CONFIG_ENV];
  ambient = json !== undefined && json !== '' ? parseRunConfig(json, RUN_CONFIG_ENV) : buildRunConfig({}, undefined, env);
  return ambient;
}
