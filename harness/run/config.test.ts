// The run configuration: built once from flags and the documented environment inputs, carried as
// JSON and read back checked; plugin modules found beside spec files or named by path.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { buildRunConfig, encodeRunConfig, parseRunConfig, workerCount } from './config.js';
import { pluginModulesBeside, resolvePluginModule } from './plugins.js';

const TINY = fileURLToPath(new URL('../../fixtures/tiers/tiny.json', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'naspoison-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('building a run configuration', () => {
  test('inputs win over the environment inputs, which win over the defaults', () => {
    const env = { NASPOISON_TIER: TINY, NASPOISON_BACKEND: 'cpu', NASPOISON_STORE: 'from-env.db', NASPOISON_WORKERS: '3' };
    const fromEnv = buildRunConfig({}, undefined, env);
    expect([fromEnv.tier.name, fromEnv.tierSource, fromEnv.backend, fromEnv.storePath, fromEnv.workers]).toEqual(['tiny', TINY, 'cpu', resolve('from-env.db'), 3]);
    const given = buildRunConfig({ tier: 'smoke', backend: 'wasm', storePath: 'given.db', workers: 2, strict: true, runId: 'r1' }, undefined, env);
    expect([given.tier.name, given.backend, given.storePath, given.workers, given.strict, given.runId]).toEqual(['smoke', 'wasm', resolve('given.db'), 2, true, 'r1']);
    const defaults = buildRunConfig({}, undefined, {});
    expect([defaults.tier.name, defaults.backend, defaults.dataDir, defaults.fixtureOnly, defaults.strict, defaults.plugins]).toEqual(['smoke', 'auto', null, false, false, []]);
  });

  test('a base configuration is refined, not rebuilt: its tier is kept unless another is named', () => {
    const base = buildRunConfig({ tier: TINY, runId: 'base', workers: 2 }, undefined, {});
    const refined = buildRunConfig({ workers: 1 }, base, { NASPOISON_TIER: 'paper' });
    expect([refined.tier, refined.runId, refined.workers, refined.codeVersion]).toEqual([base.tier, 'base', 1, base.codeVersion]);
  });

  test('bad environment inputs are named', () => {
    expect(() => workerCount({ NASPOISON_WORKERS: '0' })).toThrow('NASPOISON_WORKERS must be a positive integer, got "0"');
    expect(() => buildRunConfig({}, undefined, { NASPOISON_BACKEND: 'gpu' })).toThrow('NASPOISON_BACKEND: unknown backend "gpu"');
    expect(() => buildRunConfig({ plugins: ['./no/such/plugin.ts'] }, undefined, {})).toThrow(`--plugin ./no/such/plugin.ts: ${resolve('no/such/plugin.ts')} does not exist`);
  });
});

describe('carrying it', () => {
  test('JSON there and back gives the same configuration', () => {
    const config = buildRunConfig({ tier: TINY, runId: 'trip', workers: 2, dataDir: dir, plugins: ['some-package'] }, undefined, {});
    expect(parseRunConfig(encodeRunConfig(config), 'test')).toEqual(config);
    expect(config.plugins).toEqual(['some-package']);
  });

  test('a damaged configuration is refused, naming its origin and the field', () => {
    const config = JSON.parse(encodeRunConfig(buildRunConfig({ tier: TINY }, undefined, {}))) as Record<string, unknown>;
    expect(() => parseRunConfig('{', 'NASPOISON_RUN_CONFIG')).toThrow(/^NASPOISON_RUN_CONFIG is not valid JSON/);
    expect(() => parseRunConfig('[]', 'NASPOISON_RUN_CONFIG')).toThrow('NASPOISON_RUN_CONFIG must be a JSON object');
    expect(() => parseRunConfig(JSON.stringify({ ...config, workers: 0 }), 'NASPOISON_RUN_CONFIG')).toThrow('NASPOISON_RUN_CONFIG: workers must be a positive integer, got 0');
    expect(() => parseRunConfig(JSON.stringify({ ...config, plugins: [1] }), 'job file')).toThrow('job file: plugins must be a list of module names, got [1]');
    const tier = { ...(config.tier as Record<string, unknown>), trials: 0 };
    expect(() => parseRunConfig(JSON.stringify({ ...config, tier }), 'NASPOISON_RUN_CONFIG')).toThrow(`tier ${TINY} (from NASPOISON_RUN_CONFIG): /trials must be >= 1`);
  });
});

describe('plugin modules', () => {
  test('every *.plugin.ts (.mts, .js, .mjs) beside a spec file, and nothing else', () => {
    const folder = join(dir, 'benchmarks', 'mine');
    mkdirSync(folder, { recursive: true });
    for (const name of ['x.spec.ts', 'b.plugin.ts', 'a.plugin.mjs', 'helper.ts', 'c.plugin.json', 'plugin.ts']) writeFileSync(join(folder, name), '');
    mkdirSync(join(folder, 'd.plugin.ts'));
    expect(pluginModulesBeside(join(folder, 'x.spec.ts'))).toEqual([join(folder, 'a.plugin.mjs'), join(folder, 'b.plugin.ts')]);
  });

  test('a --plugin path becomes absolute; a package name is kept', () => {
    writeFileSync(join(dir, 'p.plugin.ts'), '');
    expect(resolvePluginModule('./p.plugin.ts', dir)).toBe(join(dir, 'p.plugin.ts'));
    expect(resolvePluginModule('p.plugin.ts', dir)).toBe(join(dir, 'p.plugin.ts'));
    expect(resolvePluginModule('@me/naspoison-plugins', dir)).toBe('@me/naspoison-plugins');
  });
});
