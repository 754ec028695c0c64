// One smoke-size RoBoT search, timed: the smoke tier's data (the committed Fashion-MNIST subset at
// 16×16) and its nas.robot block, with the tier's random-baseline sample size as a panel of random
// cells (scored when the block's scorePanel is on), on wasm unless BACKEND says otherwise.
//   npx tsx benchmarks/perf/robot-search.ts [tier]     (default tier: smoke)
import { initBackend, parseBackendChoice } from '../../harness/engine/backend.js';
import { Rng } from '../../harness/engine/rng.js';
import { robot } from '../../harness/nas/robot/index.js';
import { loadTierData } from '../../harness/run/tier-data.js';
import { loadTier } from '../../harness/run/tiers.js';
import { sampleNonDegenerateGenotype } from '../../harness/space/sampling.js';

const tier = loadTier(process.argv[2] ?? 'smoke');
const backend = await initBackend(parseBackendChoice(process.env.BACKEND ?? 'wasm', 'BACKEND'));
const data = loadTierData(tier.data);
const settings = robot.settings((tier.nas as Record<string, unknown>)['robot']);
const panelRng = new Rng(2);
const panel = Array.from({ length: tier.randomBaseline.samples }, () => sampleNonDegenerateGenotype(panelRng));
const started = performance.now();
const outcome = await robot.search({ train: data.train, settings, seed: 1, panel, log: (m) => console.log(`  ${m}`) });
const seconds = (performance.now() - started) / 1000;
console.log(`robot search, tier ${tier.name}, backend ${typeof backend === 'string' ? backend : JSON.stringify(backend)}: ${seconds.toFixed(1)} s`);
console.log(JSON.stringify(outcome.diagnostics, null, 1));
