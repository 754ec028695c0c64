// One search of each NAS method at a tier, timed side by side in one process (the machines are
// shared and noisy: compare methods within one run). Uses the tier's data and each method's `nas`
// block, the tier's random-baseline sample as the panel (methods that score cells score it too, as
// in a trial), and the clean training set.
//   npx tsx benchmarks/perf/nas-search.ts [--tier smoke] [--backend wasm] [--repeat 1] [--json] [method...]
// (default: every built-in method with a block in the tier, plus random search)
import { parseArgs } from 'node:util';
import { initBackend, parseBackendChoice } from '../../harness/engine/backend.js';
import { Rng } from '../../harness/engine/rng.js';
import { nasAlgorithms } from '../../harness/nas/index.js';
import { loadTierData } from '../../harness/run/tier-data.js';
import { loadTier } from '../../harness/run/tiers.js';
import { sampleNonDegenerateGenotype } from '../../harness/space/sampling.js';
import { genotypeToString } from '../../harness/space/genotype.js';

const { values, positionals } = parseArgs({
  options: { tier: { type: 'string', default: 'smoke' }, backend: { type: 'string', default: 'wasm' }, repeat: { type: 'string', default: '1' }, json: { type: 'boolean', default: false } },
  allowPositionals: true,
});
const tier = loadTier(values.tier);
const backend = await initBackend(parseBackendChoice(values.backend, '--backend'));
const data = loadTierData(tier.data);
const repeat = Number(values.repeat);
if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat must be a positive integer, got ${values.repeat}`);
const methods = positionals.length > 0 ? positionals : ['random', ...Object.keys(tier.nas).filter((n) => nasAlgorithms.has(n))];
const panelRng = new Rng(2);
const panel = Array.from({ length: tier.randomBaseline.samples }, () => sampleNonDegenerateGenotype(panelRng));

const rows: Array<{ method: string; family: string; seconds: number[]; genotype: string }> = [];
for (const name of methods) {
  const nas = nasAlgorithms.get(name);
  const settings = nas.settings(tier.nas[name]);
  const seconds: number[] = [];
  let genotype = '';
  for (let r = 0; r < repeat; r++) {
    const started = performance.now();
    const outcome = await nas.search({ train: data.train, settings, seed: 1 + r, panel });
    seconds.push((performance.now() - started) / 1000);
    genotype = genotypeToString(outcome.genotype);
    if (!values.json) console.error(`${name} #${r + 1}: ${seconds.at(-1)!.toFixed(1)} s → ${genotype}`);
  }
  rows.push({ method: name, family: nas.family, seconds, genotype });
}

if (values.json) {
  console.log(JSON.stringify({ tier: tier.name, backend: backend.name, repeat, rows }, null, 1));
} else {
  console.log(`\none search per method · tier ${tier.name} · backend ${backend.name} · ${data.train.n} training images · median of ${repeat}`);
  console.log('| method | family | search (s) |\n|---|---|---|');
  for (const r of rows) {
    const sorted = [...r.seconds].sort((a, b) => a - b);
    console.log(`| ${r.method} | ${r.family} | ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} |`);
  }
}
