// The evaluation cache survives processes: a second process reads the first one's result instead
// of retraining, and a changed recipe, seed or dataset misses.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'naspoison-evalcache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const script = join(dir, 'evaluate.mts');
writeFileSync(
  script,
  `import { syntheticPair } from ${JSON.stringify(join(ROOT, 'harness/data/index.ts'))};
import { initBackend } from ${JSON.stringify(join(ROOT, 'harness/engine/backend.ts'))};
import { genotypeFromString } from ${JSON.stringify(join(ROOT, 'harness/space/genotype.ts'))};
import { evaluateGenotype } from ${JSON.stringify(join(ROOT, 'harness/train/evaluate.ts'))};
import { nb201Recipe } from ${JSON.stringify(join(ROOT, 'harness/train/recipe.ts'))};
import { openEvaluationCache } from ${JSON.stringify(join(ROOT, 'harness/run/evaluation-cache.ts'))};
const [store, epochs, seed, dataSeed] = process.argv.slice(2).map((x, i) => (i === 0 ? x : Number(x)));
await initBackend('wasm');
const data = syntheticPair({ trainN: 64, testN: 32, seed: dataSeed as number, height: 8, width: 8, channels: 1, numClasses: 4 });
const cache = openEvaluationCache(store as string);
const g = genotypeFromString('|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|');
const r = await evaluateGenotype(g, data, { recipe: nb201Recipe(epochs as number, { batchSize: 32 }), network: { channels: 4, cellsPerStage: 1 } }, { seed: seed as number, backend: 'wasm', cache: cache.cache });
cache.close();
console.log(JSON.stringify({ accuracy: r.accuracy, cached: r.cached }));
`,
);

function evaluate(store: string, epochs: number, seed: number, dataSeed: number): { accuracy: number; cached: boolean } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', script, store, String(epochs), String(seed), String(dataSeed)], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as { accuracy: number; cached: boolean };
}

describe('evaluation cache', () => {
  test('a second process gets the cached accuracy; other recipe, seed or data miss', () => {
    const store = join(dir, 'store.db');
    const first = evaluate(store, 1, 1, 1);
    expect(first.cached).toBe(false);
    const second = evaluate(store, 1, 1, 1);
    expect(second).toEqual({ accuracy: first.accuracy, cached: true });
    expect(evaluate(store, 2, 1, 1).cached).toBe(false);
    expect(evaluate(store, 1, 2, 1).cached).toBe(false);
    expect(evaluate(store, 1, 1, 2).cached).toBe(false);
  }, 120_000);
});
