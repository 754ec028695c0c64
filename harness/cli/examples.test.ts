// The shipped engines for sharded runs — examples/ci/robustness.yml (GitHub Actions) and
// examples/k8s/*.yaml (a Kubernetes Indexed Job and its merge Job) — parsed and then executed as far
// as this machine allows: every shell step runs for real under bash / sh with `npx` replaced by a
// recorder (harness/cli/testing/fake-npx.mjs), the workflow's `${{ … }}` expressions, artifacts and
// the pods' volumes emulated. Checked: every `naspoison` command they run exists with those flags
// (from the CLI's own command table and help texts); the N jobs or pods get shards 1/N … N/N; the
// merge step merges exactly the N stores they wrote; the verdict run repeats their tier and backend
// over the merged store; a failing gate fails the workflow (or the Job) after the report was
// published.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import * as helpTexts from './help.js';
import { MAIN_HELP } from './main.js';
import { parseShard } from '../run/shard.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FAKE_NPX = join(ROOT, 'harness/cli/testing/fake-npx.mjs');
const dir = mkdtempSync(join(tmpdir(), 'naspoison-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// ---- the CLI as its help describes it ----

/** Command names of `naspoison <command>`, from the main help's command table. */
function cliCommands(): string[] {
  const table = MAIN_HELP.slice(MAIN_HELP.indexOf('Commands:'), MAIN_HELP.indexOf('\n\n', MAIN_HELP.indexOf('Commands:')));
  return [...table.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]!);
}

/** A command's options (from its help text) and whether each takes a value (`--tier <name|file>`). */
function optionsOf(command: string): Map<string, boolean> {
  const text = (helpTexts as unknown as Record<string, string>)[`${command.toUpperCase()}_HELP`];
  if (text === undefined) throw new Error(`naspoison ${command} has no help text`);
  const options = new Map<string, boolean>([
    ['--help', false],
    ['-h', false],
  ]);
  for (const m of text.matchAll(/^ {2}(?:-\w, )?(--[a-z][a-z-]*)( <[^>]+>)?/gm)) options.set(m[1]!, m[2] !== undefined);
  return options;
}

/** Checks one recorded `npx naspoison …` against the CLI; returns its command, options and positionals. */
function checkInvocation(argv: readonly string[]): { command: string; options: Map<string, string | true>; positionals: string[] } {
  expect(argv.slice(0, 2), `${argv.join(' ')}`).toEqual(['npx', 'naspoison']);
  const command = argv[2]!;
  expect(cliCommands(), `naspoison ${command}`).toContain(command);
  const known = optionsOf(command);
  const options = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 3; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    const [flag, inline] = arg.split(/=(.*)/s) as [string, string | undefined];
    expect(known.has(flag), `naspoison ${command} has no option ${flag} (${argv.join(' ')})`).toBe(true);
    if (known.get(flag)) {
      const value = inline ?? argv[++i];
      expect(value, `${flag} needs a value`).toBeDefined();
      options.set(flag, value!);
    } else options.set(flag, true);
  }
  return { command, options, positionals };
}

// ---- running shell scripts with a recording npx ----

const FAKE_BIN = join(dir, 'bin');
mkdirSync(FAKE_BIN);
for (const name of ['npx', 'npm']) {
  writeFileSync(join(FAKE_BIN, name), `#!/bin/sh\nFAKE_NAME=${name} exec "${process.execPath}" "${FAKE_NPX}" "$@"\n`, { mode: 0o755 });
}

interface ScriptRun {
  status: number;
  stderr: string;
  /** Every npx / npm invocation, in order. */
  calls: string[][];
}

function runScript(shell: string[], script: string, env: Record<string, string>, cwd: string): ScriptRun {
  const log = join(dir, `calls-${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(log, '');
  const file = join(dir, `script-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(file, script);
  const result = spawnSync(shell[0]!, [...shell.slice(1), file], {
    cwd,
    encoding: 'utf8',
    env: { PATH: `${FAKE_BIN}:${process.env.PATH}`, HOME: dir, FAKE_LOG: log, ...env },
  });
  if (result.error) throw result.error;
  const calls = readFileSync(log, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as string[]);
  return { status: result.status ?? 1, stderr: result.stderr, calls };
}

const naspoisonCalls = (calls: string[][]) => calls.filter((c) => c[0] === 'npx' && c[1] === 'naspoison').map(checkInvocation);

// ---- GitHub Actions ----

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  name?: string;
  needs?: string | string[];
  strategy?: { 'fail-fast'?: boolean; matrix?: Record<string, unknown[]> };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  env: Record<string, string>;
  jobs: Record<string, Job>;
}

/** Evaluates the `${{ … }}` expressions the workflow uses: context paths, string literals and `||`; an unknown path fails. */
function expand(text: string, context: Record<string, string | undefined>): string {
  return text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expression: string) => {
    for (const operand of expression.split('||').map((s) => s.trim())) {
      const literal = /^'(.*)'$/.exec(operand);
      if (literal) return literal[1]!;
      if (!(operand in context)) throw new Error(`the workflow uses \${{ ${operand} }}, which this emulation (and maybe GitHub) does not know`);
      const value = context[operand];
      if (value !== undefined && value !== '') return value;
    }
    return '';
  });
}

/** Files under `path` (itself when a file), recursively. */
function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (statSync(path).isFile()) return [path];
  return readdirSync(path, { recursive: true, encoding: 'utf8' })
    .map((f) => join(path, f))
    .filter((f) => statSync(f).isFile());
}

/** Runs a job's steps as a runner would: `run` steps under bash -eo pipefail, artifacts into `artifacts/<name>/`. */
function runJob(job: Job, context: Record<string, string | undefined>, env: Record<string, string>, artifacts: string): { status: number; calls: string[][]; stderr: string } {
  const calls: string[][] = [];
  let stderr = '';
  const workspace = join(context['runner.temp']!, 'workspace');
  mkdirSync(workspace, { recursive: true });
  for (const step of job.steps) {
    const uses = step.uses ?? '';
    if (uses.startsWith('actions/checkout@') || uses.startsWith('actions/setup-node@')) continue;
    if (uses.startsWith('actions/upload-artifact@')) {
      const name = expand(String(step.with?.name), context);
      const paths = expand(String(step.with?.path), context).split('\n').map((p) => p.trim()).filter((p) => p !== '');
      const files = paths.flatMap(filesUnder);
      if (files.length === 0 && step.with?.['if-no-files-found'] === 'error') return { status: 1, calls, stderr: `${stderr}no files for artifact ${name}` };
      expect(existsSync(join(artifacts, name)), `artifact name ${name} used twice`).toBe(false);
      for (const path of paths) if (existsSync(path)) cpSync(path, join(artifacts, name, statSync(path).isFile() ? basename(path) : ''), { recursive: true });
      continue;
    }
    if (uses.startsWith('actions/download-artifact@')) {
      const pattern = new RegExp(`^${expand(String(step.with?.pattern), context).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
      const into = expand(String(step.with?.path), context);
      expect(step.with?.['merge-multiple']).toBe(true);
      for (const name of readdirSync(artifacts).filter((n) => pattern.test(n))) cpSync(join(artifacts, name), into, { recursive: true });
      continue;
    }
    expect(step.run, `step ${step.name ?? uses} neither runs nor uses a known action`).toBeDefined();
    const run = runScript(['bash', '--noprofile', '--norc', '-eo', 'pipefail'], expand(step.run!, context), env, workspace);
    calls.push(...run.calls);
    stderr += run.stderr;
    if (run.status !== 0) return { status: run.status, calls, stderr };
  }
  return { status: 0, calls, stderr };
}

describe('examples/ci/robustness.yml (GitHub Actions)', () => {
  const workflow = parse(readFileSync(join(ROOT, 'examples/ci/robustness.yml'), 'utf8')) as Workflow;
  const shards = workflow.jobs.shard!.strategy!.matrix!.shard as number[];
  const n = shards.length;

  test('a matrix of shards 1..N and a verdicts job after them, on pull requests and by hand', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'workflow_dispatch']);
    expect(shards).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(n).toBeGreaterThan(1);
    expect(workflow.jobs.shard!.strategy!['fail-fast']).toBe(false);
    expect([workflow.jobs.verdicts!.needs].flat()).toEqual(['shard']);
  });

  for (const gate of [0, 1]) {
    test(`run as a runner would: N shard jobs, then merge, verdicts and the summary (the verdict run exits ${gate})`, () => {
      const root = join(dir, `gha-${gate}`);
      const artifacts = join(root, 'artifacts');
      mkdirSync(artifacts, { recursive: true });
      const base = { 'github.run_id': '4242', 'github.run_attempt': '1', 'inputs.tier': undefined };
      const env = (context: Record<string, string | undefined>) => ({ ...Object.fromEntries(Object.entries(workflow.env).map(([k, v]) => [k, expand(String(v), context)])), FAKE_RUN_EXIT: String(gate) });

      const stores: string[] = [];
      const shardRuns = shards.map((k) => {
        const context = { ...base, 'matrix.shard': String(k), 'strategy.job-total': String(n), 'runner.temp': join(root, `shard-${k}`) };
        expect(expand(workflow.jobs.shard!.name!, context)).toBe(`shard ${k}/${n}`);
        const job = runJob(workflow.jobs.shard!, context, env(context), artifacts);
        expect(job.status, job.stderr).toBe(0);
        expect(job.calls[0]).toEqual(['npm', 'ci']);
        const [run, ...more] = naspoisonCalls(job.calls);
        expect(more).toEqual([]);
        expect(run!.command).toBe('run');
        expect(parseShard(String(run!.options.get('--shard')))).toEqual({ index: k, count: n });
        stores.push(basename(String(run!.options.get('--store'))));
        return run!;
      });
      expect(new Set(stores).size).toBe(n);
      expect(readdirSync(artifacts).sort()).toEqual(shards.map((k) => `naspoison-shard-${k}`).sort());
      const tier = shardRuns[0]!.options.get('--tier');
      const backend = shardRuns[0]!.options.get('--backend');
      expect(tier).toBe('standard');
      expect(backend).toBe('wasm');

      const context = { ...base, 'runner.temp': join(root, 'verdicts') };
      const summary = join(root, 'summary.md');
      writeFileSync(summary, '');
      const job = runJob(workflow.jobs.verdicts!, context, { ...env(context), GITHUB_STEP_SUMMARY: summary }, artifacts);
      // The gate: the workflow fails exactly when the verdict run does, and publishes the report either way.
      expect(job.status, job.stderr).toBe(gate);
      expect(readFileSync(summary, 'utf8')).toBe('# naspoison robustness report: gh-4242-1\n');
      const [merge, verdicts, ...more] = naspoisonCalls(job.calls);
      expect(more).toEqual([]);
      expect(merge!.command).toBe('merge');
      const [target, ...sources] = merge!.positionals;
      expect(sources.map((s) => basename(s)).sort()).toEqual([...stores].sort());
      expect(verdicts!.command).toBe('run');
      expect(verdicts!.options.get('--store')).toBe(target);
      expect(verdicts!.options.has('--shard')).toBe(false);
      for (const r of shardRuns) expect([r.options.get('--tier'), r.options.get('--backend'), r.positionals]).toEqual([verdicts!.options.get('--tier'), verdicts!.options.get('--backend'), verdicts!.positionals]);
    });
  }

  test('a hand-started run takes its tier from the input', () => {
    expect(expand(workflow.env.TIER!, { 'inputs.tier': 'paper' })).toBe('paper');
    expect(expand(workflow.env.TIER!, { 'inputs.tier': undefined })).toBe('standard');
  });
});

// ---- Kubernetes ----

interface Container {
  env: Array<{ name: string; value: string }>;
  command: string[];
  args: string[];
  volumeMounts: Array<{ name: string; mountPath: string }>;
}
interface PodSpec {
  restartPolicy: string;
  containers: Container[];
  volumes: Array<{ name: string; persistentVolumeClaim?: { claimName: string }; emptyDir?: object }>;
}
interface K8sJob {
  kind: 'Job';
  metadata: { name: string };
  spec: { completionMode?: string; completions?: number; parallelism?: number; template: { spec: PodSpec } };
}

function documents(file: string): Array<{ kind: string; metadata: { name: string } } & Record<string, unknown>> {
  const docs = parseAllDocuments(readFileSync(join(ROOT, file), 'utf8'));
  for (const d of docs) expect(d.errors, file).toEqual([]);
  return docs.map((d) => d.toJS() as { kind: string; metadata: { name: string } } & Record<string, unknown>);
}

/** Runs a pod's container script with its env, its volumes mapped to host folders (`volumes[name]`). */
function runPod(pod: PodSpec, volumes: Record<string, string>, env: Record<string, string>): ScriptRun {
  const container = pod.containers[0]!;
  expect(container.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
  let script = container.args[0]!;
  for (const mount of container.volumeMounts) {
    expect(pod.volumes.map((v) => v.name), `volume ${mount.name}`).toContain(mount.name);
    script = script.split(mount.mountPath).join(volumes[mount.name]);
  }
  const podEnv = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
  return runScript(['sh'], script, { ...podEnv, ...env }, dir);
}

describe('examples/k8s (an Indexed Job of shards, and the merge Job)', () => {
  const shardDocs = documents('examples/k8s/shards-job.yaml');
  const verdictDocs = documents('examples/k8s/verdicts-job.yaml');
  const pvc = shardDocs.find((d) => d.kind === 'PersistentVolumeClaim')!;
  const shardJob = shardDocs.find((d) => d.kind === 'Job') as unknown as K8sJob;
  const verdictJob = verdictDocs.find((d) => d.kind === 'Job') as unknown as K8sJob;
  const n = shardJob.spec.completions!;
  const envOf = (job: K8sJob) => Object.fromEntries(job.spec.template.spec.containers[0]!.env.map((e) => [e.name, e.value]));

  test('an Indexed Job of N pods on a shared claim, and a merge Job that expects the same N, tier and backend', () => {
    expect(shardJob.spec.completionMode).toBe('Indexed');
    expect(shardJob.spec.parallelism).toBe(n);
    expect(n).toBeGreaterThan(1);
    expect(envOf(shardJob).SHARDS).toBe(String(n));
    for (const job of [shardJob, verdictJob]) {
      const pod = job.spec.template.spec;
      expect(pod.restartPolicy).toBe('Never');
      expect(pod.volumes.find((v) => v.name === 'results')!.persistentVolumeClaim!.claimName).toBe(pvc.metadata.name);
    }
    expect(pvc.spec).toMatchObject({ accessModes: ['ReadWriteMany'] });
    for (const key of ['SHARDS', 'TIER', 'BACKEND']) expect(envOf(verdictJob)[key], key).toBe(envOf(shardJob)[key]);
  });

  for (const gate of [0, 1]) {
    test(`run pod by pod: JOB_COMPLETION_INDEX 0..N-1 give shards 1/N..N/N, then merge and verdicts (the verdict run exits ${gate})`, () => {
      const root = join(dir, `k8s-${gate}`);
      const results = join(root, 'results');
      mkdirSync(results, { recursive: true });
      const runs = Array.from({ length: n }, (_, k) => {
        const work = join(root, `work-${k}`);
        mkdirSync(work);
        const pod = runPod(shardJob.spec.template.spec, { results, work }, { JOB_COMPLETION_INDEX: String(k) });
        expect(pod.status, pod.stderr).toBe(0);
        const [run, ...more] = naspoisonCalls(pod.calls);
        expect(more).toEqual([]);
        expect(parseShard(String(run!.options.get('--shard')))).toEqual({ index: k + 1, count: n });
        return run!;
      });
      // Each pod left its store on the shared volume (and nothing half-copied).
      expect(readdirSync(results).sort()).toEqual(Array.from({ length: n }, (_, k) => `shard-${k + 1}.db`).sort());

      const work = join(root, 'work-verdicts');
      mkdirSync(work);
      const pod = runPod(verdictJob.spec.template.spec, { results, work }, { FAKE_RUN_EXIT: String(gate) });
      expect(pod.status, pod.stderr).toBe(gate);
      const [merge, verdicts, ...more] = naspoisonCalls(pod.calls);
      expect(more).toEqual([]);
      expect(merge!.command).toBe('merge');
      const [target, ...sources] = merge!.positionals;
      expect(sources.map((s) => basename(s)).sort()).toEqual(Array.from({ length: n }, (_, k) => `shard-${k + 1}.db`).sort());
      expect(verdicts!.command).toBe('run');
      expect(verdicts!.options.get('--store')).toBe(target);
      for (const r of runs) expect([r.options.get('--tier'), r.options.get('--backend')]).toEqual([verdicts!.options.get('--tier'), verdicts!.options.get('--backend')]);
      expect(existsSync(join(results, 'merged.db'))).toBe(true);
      expect(readdirSync(join(results, 'reports'))).toHaveLength(1);
    });
  }

  test('the merge Job stops, naming it, when a shard left no store', () => {
    const root = join(dir, 'k8s-missing');
    const results = join(root, 'results');
    mkdirSync(results, { recursive: true });
    writeFileSync(join(results, 'shard-1.db'), '');
    const work = join(root, 'work');
    mkdirSync(work);
    const pod = runPod(verdictJob.spec.template.spec, { results, work }, {});
    expect(pod.status).toBe(1);
    expect(pod.stderr).toContain(`shard 2 of ${n} has no store in ${results}`);
    expect(pod.calls).toEqual([]);
  });
});
