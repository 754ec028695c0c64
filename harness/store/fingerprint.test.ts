import { cpus } from 'node:os';
import { describe, expect, test } from 'vitest';
import { codeVersion, describeEnvironmentDifference, environmentFingerprint, sameEnvironment } from './fingerprint.js';
import { tempDir } from './test-helpers.js';

describe('environmentFingerprint', () => {
  test('describes this machine and the backend', () => {
    const env = environmentFingerprint({ name: 'wasm' }, '4.22.0');
    expect(env).toMatchObject({ backend: 'wasm', tfjs: '4.22.0', node: process.version, platform: process.platform, arch: process.arch });
    expect(env.cpuCount).toBeGreaterThan(0);
    expect(env.cpuModel.length).toBeGreaterThan(0);
    if (cpus()[0]) expect(env.cpuModel).toBe(cpus()[0]?.model.trim().replace(/\s+/g, ' '));
    expect('gpu' in env).toBe(false);
    expect(environmentFingerprint({ name: 'webgpu', gpu: 'NVIDIA H100' }, '4.22.0').gpu).toBe('NVIDIA H100');
  });
});

describe('sameEnvironment', () => {
  const env = environmentFingerprint({ name: 'wasm' }, '4.22.0');
  test('lists the differing fields, empty for the same environment', () => {
    expect(sameEnvironment(env, { ...env })).toEqual([]);
    const other = { ...env, backend: 'tensorflow', cpuCount: env.cpuCount + 1, gpu: 'A100' };
    expect(sameEnvironment(env, other)).toEqual(['backend', 'cpuCount', 'gpu']);
    expect(sameEnvironment(env, other, { ignore: ['cpuCount', 'gpu'] })).toEqual(['backend']);
    expect(describeEnvironmentDifference(env, other)).toContain('backend: wasm ≠ tensorflow');
    expect(describeEnvironmentDifference(env, other)).toContain('gpu: (none) ≠ A100');
  });
});

describe('codeVersion', () => {
  test("is this checkout's git commit, with -dirty when the tree has changes", () => {
    expect(codeVersion()).toMatch(/^[0-9a-f]{40}(-dirty)?$/);
    expect(codeVersion()).toBe(codeVersion());
  });

  test('falls back to the package.json version without git', () => {
    expect(codeVersion({ git: 'definitely-not-git-executable' })).toMatch(/^\d+\.\d+\.\d+/);
    const { dir, cleanup } = tempDir();
    try {
      // A folder outside any repository and package: neither source is available.
      expect(codeVersion({ cwd: dir, git: 'definitely-not-git-executable' })).toMatch(/^(unknown|\d+\.\d+\.\d+.*)$/);
    } finally {
      cleanup();
    }
  });
});
