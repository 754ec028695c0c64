// One smoke-size NSGANetV2 search, timed: the smoke tier's data (the committed Fashion-MNIST subset
// at 16×16) and its nas.nsganetv2 block, on wasm unless BACKEND says otherwise.
//   npx tsx benchmarks/perf/nsganetv2-search.ts [tier]     (default tier: smoke)
import { initBackend, parseBackendChoice } from '../../harness/engine/backend.js';
import { nsganetv2 } from '../../harness/nas/nsganetv2/index.js';
import { loadTierData } from '../../harness/run/tier-data.js';
import { loadTier } from '../../harness/run/tiers.js';

const tier = loadTier(process.argv[2] ?? 'smoke');
const backend = await initBackend(parseBackendChoice(process.env.BACKEND ?? 'wasm', 'BACKEND'));
const data = loadTierData(tier.data);
const settings = nsganetv2.settings((tier.nas as Record<string, unknown>)['nsganetv2']);
const started = performance.now();
const outcome = await nsganetv2.search({ train: data.train, settings, seed: 1, log: (m) => console.log(`  ${m}`) });
const seconds = (performance.now() - started) / 1000;
console.log(`nsganetv2 search, tier ${tier.name}, backend ${typeof backend === 'string' ? backend : JSON.stringify(backend)}: ${seconds.toFixed(1)} s`);
console.log(JSON.stringify(outcome.diagnostics, null, 1));
