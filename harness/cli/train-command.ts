/** `naspoison train`: train and evaluate one NB201 architecture on the tier's data. */
import { DEFAULT_GENOTYPE, TRAIN_HELP } from './help.js';
import { DEFAULT_STORE_PATH } from '../run/defaults.js';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend, resolveBackendChoice } from '../engine/backend.js';
import { Rng } from '../engine/rng.js';
import { loadTierData } from '../run/tier-data.js';
import { loadTier } from '../run/tiers.js';
import { tierArgument } from '../run/config.js';
import { canonicalGenotype, genotypeFromIndex, genotypeFromString, genotypeToString, NB201_NUM_GENOTYPES, sampleNonDegenerateGenotype } from '../space/index.js';
import { openEvaluationCache } from '../run/evaluation-cache.js';
import { evaluateGenotype } from '../train/evaluate.js';
import { validateRecipe } from '../train/recipe.js';
import { Progress, formatDuration, style, UsageError, userInput } from './terminal.js';


/** The integer value of `flag` in [min, max] (`fallback` when absent); a usage error naming the flag otherwise. */
function integer(value: string | undefined, flag: string, fallback: number, min = -Infinity, max = Infinity): number {
  if (value === undefined) return fallback;
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isInteger(n)) throw new UsageError(`${flag} must be an integer, got "${value}"`);
  if (n < min || n > max) {
    const range = max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`${flag} must be an integer ${range}, got "${value}"`);
  }
  return n;
}

/** Seeds are 32-bit (the generator keeps 32 bits: -1 and 4294967295 would be one seed). */
const MAX_SEED = 2 ** 32 - 1;

export async function trainCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      genotype: { type: 'string' },
      index: { type: 'string' },
      random: { type: 'boolean', default: false },
      tier: { type: 'string' },
      epochs: { type: 'string' },
      seed: { type: 'string' },
      'data-dir': { type: 'string' },
      fixture: { type: 'boolean', default: false },
      backend: { type: 'string' },
      store: { type: 'string', default: DEFAULT_STORE_PATH },
      'no-cache': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(TRAIN_HELP);
    return 0;
  }
  const seed = integer(values.seed, '--seed', 0, 0, MAX_SEED);
  const chosen = [values.genotype !== undefined, values.index !== undefined, values.random].filter(Boolean).length;
  if (chosen > 1) throw new UsageError('give at most one of --genotype, --index, --random');
  // Bad option values (genotype, tier, epochs) are usage errors: exit 2.
  const genotype = values.random
    ? sampleNonDegenerateGenotype(new Rng(seed).child('train-command-genotype'))
    : values.index !== undefined
      ? userInput(() => genotypeFromIndex(integer(values.index, '--index', 0, 0, NB201_NUM_GENOTYPES - 1)))
      : userInput(() => genotypeFromString(values.genotype ?? DEFAULT_GENOTYPE));

  const tier = userInput(() => loadTier(tierArgument(values.tier)));
  const recipe = userInput(() => validateRecipe({ ...tier.evaluation.recipe, ...(values.epochs !== undefined ? { epochs: integer(values.epochs, '--epochs', 0, 1) } : {}) }));
  const backend = await initBackend(userInput(() => resolveBackendChoice(values.backend)));
  const loadStarted = performance.now();
  const data = loadTierData(tier.data, {
    ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
    fixtureOnly: values.fixture,
  });
  const loadMs = performance.now() - loadStarted;
  const cache = values['no-cache'] ? undefined : openEvaluationCache(values.store);

  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(`${style.bold('naspoison train', process.stderr)} ${genotypeToString(genotype)}`);
  log(`  canonical: ${canonicalGenotype(genotype)}`);
  log(`  tier ${tier.name}: ${data.train.n} train / ${data.test.n} test images at ${data.train.height}×${data.train.width} from ${data.train.source}`);
  log(`  network C=${tier.evaluation.network.channels}, ${tier.evaluation.network.cellsPerStage} cell(s)/stage; recipe ${recipe.name}, ${recipe.epochs} epochs, batch ${recipe.batchSize}; backend ${backend.name}; seed ${seed}`);
  const progress = new Progress(recipe.epochs, '  epoch');
  try {
    const result = await evaluateGenotype(genotype, data, { recipe, network: tier.evaluation.network }, {
      seed,
      backend: backend.name,
      ...(cache ? { cache: cache.cache } : {}),
      onEpoch: (r) => progress.update(r.epoch, `loss ${r.meanLoss.toFixed(4)} · lr ${r.learningRate.toFixed(4)}`),
    });
    const summary = {
      genotype: result.genotype,
      trainedGenotype: result.trainedGenotype,
      canonical: result.canonical,
      accuracy: Number(result.accuracy.toFixed(2)),
      trainSeconds: Number((result.trainMs / 1000).toFixed(2)),
      epochs: recipe.epochs,
      msPerEpoch: Number((result.trainMs / recipe.epochs).toFixed(0)),
      parameters: result.parameterCount,
      cached: result.cached,
      backend: backend.name,
      tfjs: tf.version.tfjs,
      tier: tier.name,
      trainImages: data.train.n,
      testImages: data.test.n,
      resolution: data.train.height,
      dataLoadSeconds: Number((loadMs / 1000).toFixed(2)),
      seed,
    };
    if (values.json) {
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    } else {
      const how = result.cached ? style.yellow('(from cache; --no-cache retrains)') : `trained in ${formatDuration(result.trainMs)} (${summary.msPerEpoch} ms/epoch)`;
      process.stdout.write(`test accuracy ${style.bold(`${summary.accuracy.toFixed(2)}%`)} on ${data.test.n} clean test images · ${how} · ${result.parameterCount} parameters · ${backend.name}\n`);
    }
    return 0;
  } finally {
    cache?.close();
  }
}
