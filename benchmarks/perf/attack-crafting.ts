// Crafting time of each registered attack at a tier, on the tier's data and with the tier's
// `attacks[name]` parameters, at budgets 0.01 / 0.1 / 0.5. No store: one in-memory model cache per
// attack, so a surrogate trained for the first budget serves the next ones. Each budget is crafted
// twice: "first" is the first craft of that budget in this process (the first budget pays for any
// surrogate training), "again" the same craft with every model cached (the crafting proper); both
// must give the same poison. Each poison then passes the provenance verifier (its time is shown).
//   npx tsx benchmarks/perf/attack-crafting.ts [--tier smoke] [--backend wasm] [--budgets 0.01,0.1,0.5]
//     [--seed 1] [--data-dir DIR] [--json] [attack...]
// (default: every attack in the registry, so attacks registered later are measured too)
import { parseArgs } from 'node:util';
import { attacks, type Attack, type PoisonArtifact } from '../../harness/attacks/index.js';
import { verifyPoison } from '../../harness/attacks/provenance.js';
import { initBackend, parseBackendChoice } from '../../harness/engine/backend.js';
import { loadTierData } from '../../harness/run/tier-data.js';
import { attackParamsOf, loadTier, tierOrigin } from '../../harness/run/tiers.js';
import type { ModelCache } from '../../harness/train/model-cache.js';

const { values, positionals } = parseArgs({
  options: {
    tier: { type: 'string', default: 'smoke' },
    backend: { type: 'string', default: 'wasm' },
    budgets: { type: 'string', default: '0.01,0.1,0.5' },
    seed: { type: 'string', default: '1' },
    'data-dir': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});

const tier = loadTier(values.tier);
const origin = tierOrigin(values.tier);
const backend = await initBackend(parseBackendChoice(values.backend, '--backend'));
const data = loadTierData(tier.data, values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {});
const train = data.train;
const budgets = values.budgets.split(',').map(Number);
const seed = Number(values.seed);
if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
const names = positionals.length > 0 ? positionals : attacks.names();
const log = values.json ? () => {} : (message: string) => console.error(`    ${message}`);

/** A Map-backed model cache (no store): what one process trains, it reuses. */
function memoryModelCache(): ModelCache & { size(): number } {
  const entries = new Map<string, string>();
  return {
    get: (key) => entries.get(key),
    put: (key, value) => {
      if (!entries.has(key)) entries.set(key, value);
    },
    size: () => entries.size,
  };
}

interface Row {
  attack: string;
  kind: Attack['kind'];
  budget: number;
  count: number;
  firstSeconds: number;
  againSeconds: number;
  /** Models the first craft of this budget trained (and cached). */
  modelsTrained: number;
  verifyMs: number;
  sameHash: boolean;
  diagnostics: Readonly<Record<string, unknown>>;
}

async function timed(attack: Attack, budget: number, context: Parameters<Attack['craft']>[2]): Promise<{ artifact: PoisonArtifact; seconds: number }> {
  const started = performance.now();
  const artifact = await attack.craft(train, budget, context);
  return { artifact, seconds: (performance.now() - started) / 1000 };
}

const rows: Row[] = [];
for (const name of names) {
  const attack = attacks.get(name);
  const params = attackParamsOf(tier, name, origin);
  const models = memoryModelCache();
  const context = { seed, backend: backend.name, params, models, log };
  for (const budget of budgets) {
    const before = models.size();
    const first = await timed(attack, budget, context);
    const modelsTrained = models.size() - before;
    const again = await timed(attack, budget, context);
    const verifyStarted = performance.now();
    verifyPoison(first.artifact, train, attack, params);
    const verifyMs = performance.now() - verifyStarted;
    const row: Row = {
      attack: name,
      kind: attack.kind,
      budget,
      count: first.artifact.indices.length,
      firstSeconds: first.seconds,
      againSeconds: again.seconds,
      modelsTrained,
      verifyMs,
      sameHash: again.artifact.hash === first.artifact.hash,
      diagnostics: first.artifact.diagnostics ?? {},
    };
    rows.push(row);
    if (!values.json) console.error(`${name} p=${budget}: ${row.firstSeconds.toFixed(2)} s first, ${row.againSeconds.toFixed(2)} s again, ${row.count} poisoned`);
  }
}

const shown = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : String(v));
if (values.json) {
  console.log(JSON.stringify({ tier: tier.name, backend: backend.name, n: train.n, source: train.source, seed, rows }, null, 1));
} else {
  console.log(`\nattack crafting · tier ${tier.name} · backend ${backend.name} · ${train.n} training images (${train.source}) · seed ${seed}`);
  console.log('| attack | kind | budget | poisoned | first (s) | again (s) | models trained | verify (ms) | same poison | diagnostics |\n|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const diagnostics = Object.entries(r.diagnostics).map(([k, v]) => `${k}=${shown(v)}`).join(', ') || '—';
    console.log(
      `| ${r.attack} | ${r.kind} | ${r.budget} | ${r.count} | ${r.firstSeconds.toFixed(3)} | ${r.againSeconds.toFixed(3)} | ${r.modelsTrained} | ${r.verifyMs.toFixed(1)} | ${r.sameHash ? 'yes' : 'NO'} | ${diagnostics} |`,
    );
  }
}
