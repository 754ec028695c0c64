/** Loading and validating tiers (see tier-types.ts). */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { nasAlgorithms } from '../nas/index.js';
import type { Tier } from './tier-types.js';

export type { Tier, TierData, PdartsStage, PdartsTierSettings } from './tier-types.js';

const TIERS_DIR = fileURLToPath(new URL('./tiers/', import.meta.url));
const SCHEMA_PATH = fileURLToPath(new URL('./tier.schema.json', import.meta.url));

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile<Tier>(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as object);

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => {
      // Name the unknown property itself (ajv reports the path of the object that holds it).
      if (e.keyword === 'additionalProperties' && e.params && 'additionalProperty' in e.params) {
        return `${e.instancePath}/${String(e.params.additionalProperty)} is not a known property`;
      }
      return `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}${e.params && 'allowedValues' in e.params ? ` (${String(e.params.allowedValues)})` : ''}`;
    })
    .join('; ');
}

/** Checks a tier object against the schema and the rules JSON Schema cannot express. */
export function validateTier(value: unknown, origin: string): Tier {
  if (!validate(value)) throw new Error(`tier ${origin}: ${describe(validate.errors)}`);
  // Each algorithm checks its own block (rules the schema cannot express), with the JSON path.
  for (const [name, block] of Object.entries(value.nas as Record<string, unknown>)) {
    if (!nasAlgorithms.has(name)) continue;
    try {
      nasAlgorithms.get(name).settings(block);
    } catch (error) {
      throw new Error(`tier ${origin}: /nas/${name}${(error as Error).message.replace(/^[^:]*: /, '')}`);
    }
  }
  return value;
}

/** Names of the built-in tiers. */
export function builtInTierNames(): string[] {
  return readdirSync(TIERS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/**
 * Loads a tier by name (built-in) or from a JSON file path. The default comes from
 * NASPOISON_TIER, else `smoke`.
 */
export function loadTier(nameOrPath: string = process.env.NASPOISON_TIER || 'smoke'): Tier {
  const isPath = nameOrPath.endsWith('.json') || nameOrPath.includes('/');
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
  return validateTier(parsed, isPath ? path : `"${nameOrPath}"`);
}
