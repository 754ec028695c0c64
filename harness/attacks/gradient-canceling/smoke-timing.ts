/**
 * Crafting time of gradient canceling at the smoke tier's size (a measurement script, not a test):
 * the smoke tier's data (2000 real Fashion-MNIST images at 16×16, from harness/run/tiers/smoke.json),
 * the default victim (trained once, kept in an in-memory model cache) and the given settings, one
 * poison per budget. Prints the crafting time (victim training excluded after the first budget:
 * see victimCached) and the diagnostics.
 *
 *   npx tsx harness/attacks/gradient-canceling/smoke-timing.ts [--backend wasm] [--budgets 0.01,0.1,0.5]
 *       [--iterations 6 (the smoke block's)] [--chunk 250] [--clean null|<count>] [--epsilon 1] [--seed 1]
 *       [--attack gradient-canceling|gradient-canceling-nas]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { initBackend, parseBackendChoice } from '../../engine/backend.js';
import { loadTierData } from '../../run/tier-data.js';
import type { TierData } from '../../run/tier-types.js';
import type { ModelCache } from '../../train/model-cache.js';
import { GC_SMOKE_SETTINGS, gcDeviations, gcNasDeviations, gcNasSettings, gcSettings, gradientCanceling, gradientCancelingNas } from './index.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    budgets: { type: 'string', default: '0.01,0.1,0.5' },
    iterations: { type: 'string', default: String(GC_SMOKE_SETTINGS.iterations) },
    chunk: { type: 'string', default: '250' },
    clean: { type: 'string', default: 'null' },
    epsilon: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
    attack: { type: 'string', default: 'gradient-canceling' },
  },
});

const backend = await initBackend(parseBackendChoice(values.backend));
const tier = JSON.parse(readFileSync(new URL('../../run/tiers/smoke.json', import.meta.url), 'utf8')) as { data: TierData };
const { train } = loadTierData(tier.data);
const store = new Map<string, string>();
const models: ModelCache = { get: (key) => store.get(key), put: (key, value) => void store.set(key, value) };
const nas = values.attack === 'gradient-canceling-nas';
const block = {
  iterations: Number(values.iterations),
  chunkSize: Number(values.chunk),
  cleanGradientSamples: values.clean === 'null' ? null : Number(values.clean),
  epsilon: Number(values.epsilon),
};
const params = nas ? gcNasSettings(block) : gcSettings(block);
const attack = nas ? gradientCancelingNas : gradientCanceling;
const deviations = nas ? gcNasDeviations(gcNasSettings(block)) : gcDeviations(gcSettings(block));
console.log(`${train.name}: ${train.n} images ${train.height}×${train.width}×${train.channels}, backend ${backend.name}`);
console.log(`${attack.name}; deviations from the published setting:\n  - ${deviations.join('\n  - ')}`);
for (const budget of values.budgets.split(',').map(Number)) {
  const started = performance.now();
  const artifact = await attack.craft(train, budget, { seed: Number(values.seed), backend: backend.name, params, models, log: (m) => console.log(`  [${((performance.now() - started) / 1000).toFixed(1)} s] ${m}`) });
  const seconds = (performance.now() - started) / 1000;
  console.log(`p = ${budget}: ${artifact.indices.length} poisoned, ${seconds.toFixed(1)} s in all; ${JSON.stringify(artifact.diagnostics)}`);
}
