/** Loading and validating tiers (see tier-types.ts). */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { isSettingsError, schemaIssues } from '../plugins/settings.js';
import { nasAlgorithms } from '../nas/index.js';
import { attacks, type PluginParams } from '../attacks/index.js';
import { defences } from '../defences/index.js';
import type { Registry, Plugin } from '../plugins/registry.js';
import type { Tier } from './tier-types.js';

export type { Tier, TierData } from './tier-types.js';

const TIERS_DIR = fileURLToPath(new URL('./tiers/', import.meta.url));
const SCHEMA_PATH = fileURLToPath(new URL('./tier.schema.json', import.meta.url));

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile<Tier>(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as object);

/**
 * The effective settings of NAS method `name` at this tier: its `settings()` applied to the tier's
 * `nas[name]` block (undefined when the tier has none).
 *
 * @param origin names the tier in messages (`"smoke"`, a file path)
 * @throws Error `tier <origin>: /nas/<name>/<path> <problem>` for each mistake in the block; an
 *   unknown method name lists the registered ones
 */
export function nasSettingsOf(tier: Pick<Tier, 'nas'>, name: string, origin: string): unknown {
  const nas = nasAlgorithms.get(name);
  try {
    return nas.settings(tier.nas[name]);
  } catch (error) {
    if (isSettingsError(error)) throw new Error(`tier ${origin}: ${error.issues.map((i) => `/nas/${name}${i.path} ${i.message}`).join('; ')}`);
    // A plugin's own error: its message, with the plugin's "name: " prefix replaced by the block's path.
    const rest = (error as Error).message.replace(/^[^:]*: /, '');
    throw new Error(`tier ${origin}: /nas/${name}${rest.startsWith('/') ? '' : ' '}${rest}`);
  }
}

/** A plugin with parameters: an attack or a defence. */
interface ParameterisedPlugin extends Plugin {
  readonly params: PluginParams;
  settings?(block: unknown): PluginParams;
}

function pluginParamsOf<T extends ParameterisedPlugin>(registry: Registry<T>, section: 'attacks' | 'defences', block: unknown, name: string, origin: string): PluginParams {
  const plugin = registry.get(name);
  try {
    if (plugin.settings) return plugin.settings(block);
    if (block !== undefined) throw new Error(`${name}: takes no parameters, so the tier may not give a block for it`);
    return plugin.params;
  } catch (error) {
    if (isSettingsError(error)) throw new Error(`tier ${origin}: ${error.issues.map((i) => `/${section}/${name}${i.path} ${i.message}`).join('; ')}`);
    const rest = (error as Error).message.replace(/^[^:]*: /, '');
    throw new Error(`tier ${origin}: /${section}/${name}${rest.startsWith('/') ? '' : ' '}${rest}`);
  }
}

/**
 * The effective parameters of attack `name` at this tier: its `settings()` applied to the tier's
 * `attacks[name]` block, then `override` (a spec's `attackParams`) checked the same way on top.
 *
 * @throws Error `tier <origin>: /attacks/<name>/<path> <problem>`; an unknown name lists the registered ones
 */
export function attackParamsOf(tier: Pick<Tier, 'attacks'>, name: string, origin: string, override?: PluginParams): PluginParams {
  const block = tier.attacks?.[name];
  return pluginParamsOf(attacks, 'attacks', override === undefined ? block : { ...(block as object | undefined), ...override }, name, origin);
}

/** The effective parameters of defence `name` at this tier (see {@link attackParamsOf}). */
export function defenceParamsOf(tier: Pick<Tier, 'defences'>, name: string, origin: string, override?: PluginParams): PluginParams {
  const block = tier.defences?.[name];
  return pluginParamsOf(defences, 'defences', override === undefined ? block : { ...(block as object | undefined), ...override }, name, origin);
}

/**
 * Checks a tier object against the schema, and each NAS block of a method registered now against
 * the method's own settings (blocks of methods not registered yet are left to the matrices that
 * name them: see {@link nasSettingsOf}).
 */
export function validateTier(value: unknown, origin: string): Tier {
  if (!validate(value)) throw new Error(`tier ${origin}: ${schemaIssues(validate.errors).map((i) => `${i.path || '(root)'} ${i.message}`).join('; ')}`);
  for (const name of Object.keys(value.nas)) if (nasAlgorithms.has(name)) nasSettingsOf(value, name, origin);
  for (const name of Object.keys(value.attacks ?? {})) if (attacks.has(name)) attackParamsOf(value, name, origin);
  for (const name of Object.keys(value.defences ?? {})) if (defences.has(name)) defenceParamsOf(value, name, origin);
  return value;
}

/** Names of the built-in tiers. */
export function builtInTierNames(): string[] {
  return readdirSync(TIERS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** What names a tier in messages: a file path as given, a built-in name quoted. */
export function tierOrigin(nameOrPath: string): string {
  return isTierPath(nameOrPath) ? nameOrPath : `"${nameOrPath}"`;
}

function isTierPath(nameOrPath: string): boolean {
  return nameOrPath.endsWith('.json') || nameOrPath.includes('/');
}

/**
 * Loads a tier by name (built-in) or from a JSON file path (the CLI's `--tier`, else
 * NASPOISON_TIER, else `smoke`: see harness/run/config.ts).
 */
export function loadTier(nameOrPath: string): Tier {
  const isPath = isTierPath(nameOrPath);
  const path = isPath ? nameOrPath : `${TIERS_DIR}${nameOrPath}.json`;
  if (!existsSync(path)) {
    throw new Error(
      isPath ? `tier file ${path} does not exist` : `unknown tier "${nameOrPath}"; built-in tiers: ${builtInTierNames().join(', ')} (or give a path to a tier JSON file)`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`tier file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return validateTier(parsed, tierOrigin(nameOrPath));
}
