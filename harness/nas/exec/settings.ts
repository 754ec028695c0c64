/**
 * Settings of an exec method: any JSON object, passed through to the command unchanged. naspoison
 * cannot know the fields of a method written elsewhere, so it only checks that the block is a JSON
 * object (the command must validate its own fields) and fills the plugin's defaults in.
 */
import { SettingsError } from '../../plugins/settings.js';
import type { JsonObject, JsonValue } from './protocol.js';

/** JSON-pointer form of a path, e.g. `/stages/1/epochs` ('' for the block itself). */
function pointer(path: ReadonlyArray<string | number>): string {
  return path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/**
 * Checks that `value` is JSON all the way down (null, booleans, finite numbers, strings, arrays,
 * plain objects) and returns a deep copy.
 * @param plugin the plugin the value belongs to (the error's prefix)
 * @throws SettingsError naming the first offending path within the block
 */
export function toJsonValue(value: unknown, plugin: string, path: Array<string | number> = []): JsonValue {
  const fail = (problem: string): never => {
    throw new SettingsError(plugin, [{ path: pointer(path), message: problem }]);
  };
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : fail(`is ${value}, which JSON cannot hold`);
  if (Array.isArray(value)) return value.map((v, i) => toJsonValue(v, plugin, [...path, i]));
  if (typeof value === 'object') {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) fail(`is a ${value.constructor?.name ?? 'non-plain'} object, not JSON`);
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = toJsonValue(v, plugin, [...path, k]);
    return out;
  }
  return fail(`is ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}, not JSON`);
}

/**
 * The effective settings: the tier block (missing or null: none) over the defaults, one level deep
 * (a key of the block replaces the default of that key whole).
 * @throws SettingsError when the block is not a JSON object, naming the path of the first non-JSON value
 */
export function execSettings(block: unknown, defaults: JsonObject, plugin: string): JsonObject {
  if (block === undefined || block === null) return toJsonValue(defaults, plugin) as JsonObject;
  if (typeof block !== 'object' || Array.isArray(block)) {
    throw new SettingsError(plugin, [{ path: '', message: `must be a JSON object, got ${Array.isArray(block) ? 'an array' : JSON.stringify(block)}` }]);
  }
  return toJsonValue({ ...defaults, ...(block as Record<string, unknown>) }, plugin) as JsonObject;
}
