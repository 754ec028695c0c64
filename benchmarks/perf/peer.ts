/**
 * The PyTorch peer of the step benchmark: finds an interpreter that imports torch by itself (every
 * `python3` and `python` on PATH, then /usr/bin/python3 — Debian's python3-torch installs only for
 * Debian's interpreter, while the first `python3` on PATH may be another one), with CUDA when the
 * naspoison backend is a GPU one, and runs benchmarks/perf/torch_peer.py on the same cases.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PEER_SCRIPT = fileURLToPath(new URL('./torch_peer.py', import.meta.url));

/** What probing one interpreter found. */
export interface TorchPython {
  /** The command as found (a path). */
  command: string;
  /** `sys.executable` as the interpreter reports it. */
  executable: string;
  torch: string;
  cuda: boolean;
  /** The CUDA device's name when `cuda`. */
  gpu?: string;
}

/** One timed case from torch_peer.py. */
export interface PeerRow {
  name: string;
  ms_per_step: number;
  mean_ms: number;
  loss: number;
  torch: string;
  device: string;
  threads: number;
  iters: number;
}

/** The peer's rows and the interpreter and device that produced them, or why there are none. */
export type PeerResult =
  | { state: 'ran'; python: TorchPython; device: 'cuda' | 'cpu'; rows: PeerRow[]; note?: string }
  | { state: 'skipped'; reason: string; tried: string[] };

/** Every `python3` / `python` on PATH (in PATH order), then /usr/bin/python3; one entry per real file. */
export function pythonCandidates(path = process.env.PATH ?? ''): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  const consider = (file: string) => {
    try {
      accessSync(file, constants.X_OK);
      const real = realpathSync(file);
      if (seen.has(real)) return;
      seen.add(real);
      found.push(file);
    } catch {
      // Not there or not executable.
    }
  };
  const dirs = path.split(delimiter).filter((d) => d !== '');
  for (const name of ['python3', 'python']) for (const dir of dirs) consider(join(dir, name));
  consider('/usr/bin/python3');
  return found;
}

const PROBE = [
  'import json, sys, torch',
  'cuda = torch.cuda.is_available()',
  "print(json.dumps({'executable': sys.executable, 'torch': torch.__version__, 'cuda': cuda, 'gpu': torch.cuda.get_device_name(0) if cuda else None}))",
].join('\n');

/** Whether `command` imports torch, and with CUDA; undefined if it does not. */
export function probeTorch(command: string): TorchPython | undefined {
  const out = spawnSync(command, ['-c', PROBE], { encoding: 'utf8', timeout: 120_000 });
  if (out.status !== 0) return undefined;
  try {
    const info = JSON.parse(out.stdout.trim().split('\n').pop() ?? '') as { executable: string; torch: string; cuda: boolean; gpu: string | null };
    return { command, executable: info.executable, torch: info.torch, cuda: info.cuda, ...(info.gpu ? { gpu: info.gpu } : {}) };
  } catch {
    return undefined;
  }
}

/**
 * The interpreter to time the peer with: with `wantCuda`, the first whose torch sees a CUDA device
 * (else the first with torch, reported with a note); otherwise the first with torch.
 */
export function findTorchPython(wantCuda: boolean): { python: TorchPython; note?: string } | { reason: string; tried: string[] } {
  const tried = pythonCandidates();
  let cpuOnly: TorchPython | undefined;
  for (const command of tried) {
    const python = probeTorch(command);
    if (python === undefined) continue;
    if (!wantCuda || python.cuda) return { python };
    cpuOnly ??= python;
  }
  if (cpuOnly !== undefined) {
    return { python: cpuOnly, note: `no interpreter whose torch sees CUDA (tried ${tried.join(', ')}): the peer ran on the CPU, so the ratios are not the GPU targets' ratios` };
  }
  return { reason: `no python3/python on PATH nor /usr/bin/python3 imports torch (tried: ${tried.join(', ') || 'none found'}; Debian: apt-get install python3-torch)`, tried };
}

/** Options of one peer run; the shapes come from the case names (torch_peer.py mirrors steps.ts). */
export interface PeerOptions {
  cases: readonly string[];
  genotype: string;
  /** GPU backend: time on CUDA if any interpreter has it. */
  wantCuda: boolean;
  /** CPU threads (CPU only). */
  threads: number;
  /** Timed steps of the small cases and of the paper-scale ones. */
  iters: number;
  paperIters: number;
}

/** Finds an interpreter and runs the peer on `options.cases`. */
export function runPeer(options: PeerOptions): PeerResult {
  const found = findTorchPython(options.wantCuda);
  if ('reason' in found) return { state: 'skipped', reason: found.reason, tried: found.tried };
  const device = options.wantCuda && found.python.cuda ? 'cuda' : 'cpu';
  const args = [
    PEER_SCRIPT,
    '--device', device,
    '--threads', String(options.threads),
    '--cases', options.cases.join(','),
    '--genotype', options.genotype,
    '--iters', String(options.iters),
    '--paper-iters', String(options.paperIters),
  ];
  const out = spawnSync(found.python.command, args, { encoding: 'utf8', maxBuffer: 16 * 2 ** 20 });
  if (out.status !== 0) {
    const last = (out.stderr || String(out.error ?? '')).trim().split('\n').pop() ?? '';
    return { state: 'skipped', reason: `PyTorch peer failed with ${found.python.command}: ${last}`, tried: [found.python.command] };
  }
  const rows = out.stdout
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as PeerRow);
  return { state: 'ran', python: found.python, device, rows, ...(found.note !== undefined ? { note: found.note } : {}) };
}
