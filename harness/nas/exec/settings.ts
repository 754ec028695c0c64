/**
 * Settings of an exec method: any JSON object, passed through to the command unchanged. naspoison
 * cannot know the fields of a method written elsewhere, so it only checks that the block is a JSON
 * object (the command must validate its own fields) and fills the plugin's defaults in.
 */
import type { JsonObject, JsonValue } from './protocol.js';

/** JSON-pointer form of a path, e.g. `/stages/1/epochs` ('' for the block itself). */
function pointer(path: ReadonlyArray<string | number>): string {
  return path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/**
 * Checks that `value` is JSON all the way down (null, booleans, finite numbers, strings, arrays,
 * plain objects) and returns a deep copy; the message names the first offending path.
 * @param what the message prefix, e.g. the plugin name
 */
export function toJsonValue(value: unknown, what: string, path: Array<string | number> = []): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${what}: ${pointer(path) || '(block)'} is ${value}, which JSON cannot hold`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => toJsonValue(v, what, [...path, i]));
  if (typeof value === 'object') {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw new Error(`${what}: ${pointer(path) || '(block)'} is a ${value.constructor?.name ?? 'non-plain'} object, not JSON`);
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = toJsonValue(v, what, [...path, k]);
    return out;
  }
  throw new Error(`${what}: ${pointer(path) || '(block)'} is ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}, not JSON`);
}

/**
 * The effective settings: the tier block (missing or null: none) over the defaults, one level deep
 * (a key of the block replaces the default of that key whole).
 * @throws Error when the block is not a JSON object, naming the path of the first non-JSON value
 */
export function execSettings(block: unknown, defaults: JsonObject, plugin: string): JsonObject {
  if (block === undefined || block === null) return toJsonValue(defaults, plugin) as JsonObject;
  if (typeof block !== 'object' || Array.isArray(block)) {
    throw new Error(`${plugin}: the settings block must be a JSON object, got ${Array.isArray(block) ? 'an array' : JSON.stringify(block)}`);
  }
  return toJsonValue({ ...defaults, ...(block as Record<string, unknown>) }, plugin) as JsonObject;
}
