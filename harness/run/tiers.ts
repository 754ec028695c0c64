/** Loading and validating tiers (see tier-types.ts). */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
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
  for (const [i, stage] of value.nas.pdarts.stages.entries()) {
    if (stage.warmupEpochs > stage.epochs) {
      throw new Error(`tier ${origin}: /nas/pdarts/stages/${i}/warmupEpochs (${stage.warmupEpochs}) exceeds epochs (${stage.epochs})`);
    }
    const previous = value.nas.pdarts.stages[i - 1];
    if (previous && stage.opsPerEdge >= previous.opsPerEdge) {
      throw new Error(`tier ${origin}: /nas/pdarts/stages/${i}/opsPerEdge must shrink from stage to stage (${previous.opsPerEdge} → ${stage.opsPerEdge})`);
    }
  }
  if (value.nas.pdarts.stages[0]?.opsPerEdge !== 5) throw new Error(`tier ${origin}: /nas/pdarts/stages/0/opsPerEdge must be 5 (all NB201 ops)`);
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
