/**
 * What the settings of the attacks and defences that train a model share: the rules JSON Schema
 * cannot state about a surrogate (its cell must parse and be trainable, its recipe must satisfy
 * minLearningRate ≤ learningRate), refused at the block's path, and the recipe of a block that
 * overrides only some fields of a default one.
 */
import { genotypeFromString } from '../space/genotype.js';
import { validateRecipe, type TrainingRecipe } from '../train/recipe.js';
import { surrogateCellProblem, type SurrogateSpec } from '../train/surrogate.js';
import type { SettingsSchema } from './settings.js';

/**
 * A default recipe with a block's fields on top. A block that changes the epochs but names no
 * recipe gets `<prefix>-<epochs>ep`, so that reports do not show the default's name for another recipe.
 */
export function overrideRecipe(defaults: TrainingRecipe, given: Partial<TrainingRecipe> | undefined, prefix: string): TrainingRecipe {
  const block = given ?? {};
  return { ...defaults, ...block, name: block.name ?? (block.epochs === undefined ? defaults.name : `${prefix}-${block.epochs}ep`) };
}

/**
 * Refuses, at `path` within the plugin's block, a surrogate whose cell does not parse or cannot be
 * trained (its output ignores the input, or a convolution never reaches it) or whose recipe breaks
 * a rule of harness/train/recipe.ts.
 *
 * @throws SettingsError naming `<path>/genotype` or `<path>/recipe/<field>`
 */
export function checkSurrogateSpec(schema: SettingsSchema<unknown>, path: string, spec: SurrogateSpec): void {
  let problem: string | undefined;
  try {
    problem = surrogateCellProblem(genotypeFromString(spec.genotype));
  } catch (error) {
    schema.fail(`${path}/genotype`, `is not an NB201 genotype: ${(error as Error).message}`);
  }
  if (problem !== undefined) schema.fail(`${path}/genotype`, `cannot be trained: ${problem}`);
  checkRecipe(schema, `${path}/recipe`, spec.recipe);
}

/** Refuses, at `path`, a recipe that breaks a rule of harness/train/recipe.ts, naming the field. */
export function checkRecipe(schema: SettingsSchema<unknown>, path: string, recipe: TrainingRecipe): void {
  try {
    validateRecipe(recipe);
  } catch (error) {
    // validateRecipe's message is `recipe: <field> = <value> is invalid; <rule>`.
    const match = /^recipe: (\w+) = (.*)$/.exec((error as Error).message);
    schema.fail(`${path}${match ? `/${match[1]}` : ''}`, match ? `= ${match[2]}` : (error as Error).message);
  }
}
