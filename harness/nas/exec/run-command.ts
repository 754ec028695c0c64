/**
 * Runs one command asynchronously with a wall-clock limit: in its own process group (so that a
 * timeout kills whatever it started, not just the direct child) under a reaper (reaper.mjs) that
 * kills that group when naspoison dies, even by kill -9; bounded capture of stdout (the answer) and
 * of stderr (a tail for error messages), stderr lines forwarded as they come. Dependency-free.
 */
import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';

const REAPER = fileURLToPath(new URL('./reaper.mjs', import.meta.url));

/** How one command is run. */
export interface CommandOptions {
  /** Program and arguments (no shell). */
  command: readonly string[];
  cwd?: string | undefined;
  /** The child's whole environment. */
  env: NodeJS.ProcessEnv;
  /** Wall-clock limit in ms (Infinity: none). */
  timeoutMs: number;
  /** After SIGTERM on timeout, how long the group has before SIGKILL. */
  killGraceMs: number;
  /** Most stdout bytes kept; more kills the command (outcome `stdout-overflow`). */
  maxStdoutBytes: number;
  /** How many trailing stderr bytes are kept for messages. */
  stderrTailBytes: number;
  /** Called with each complete stderr line (without its newline), e.g. to forward progress. */
  onStderrLine?: ((line: string) => void) | undefined;
}

/** How a command ended. */
export interface CommandResult {
  /**
   * `exited`: it ended by itself (see `code`); `signalled`: a signal not sent by us ended it;
   * `timed-out`: we killed it at the limit; `stdout-overflow`: we killed it for printing too much;
   * `failed-to-start`: it never ran (see `startError`).
   */
  outcome: 'exited' | 'signalled' | 'timed-out' | 'stdout-overflow' | 'failed-to-start';
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** The last `stderrTailBytes` bytes of stderr, decoded as UTF-8. */
  stderrTail: string;
  /** Whether stderr was longer than the tail kept. */
  stderrTruncated: boolean;
  durationMs: number;
  startError?: Error;
}

/** Longest stderr line forwarded whole; a longer one is forwarded cut at this length. */
const MAX_FORWARDED_LINE = 2000;
/** After the command exits, how long descendants that kept its pipes open may hold them. */
const CLOSE_AFTER_EXIT_MS = 2000;

/** Process groups still running; killed if naspoison exits first (a detached group would outlive it). */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
  });
}

/** Sends `signal` to the whole process group `pgid` (the child's pid, as it leads its group). */
function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is gone already. Elsewhere (no process groups) fall back to the leader.
    try {
      process.kill(pgid, signal);
    } catch {
      // gone
    }
  }
}

/** Runs the command to its end (or kill) and reports how it ended; never rejects. */
export function runCommand(options: CommandOptions): Promise<CommandResult> {
  const [program, ...args] = options.command;
  if (program === undefined) throw new Error('runCommand: empty command');
  installExitHook();
  const started = performance.now();
  return new Promise<CommandResult>((resolve) => {
    // detached: the reaper leads a new process group, which the command and its descendants join,
    // so a timeout can kill them all. Its stdin is the pipe whose end tells it naspoison is gone;
    // fd 3 is where it reports how the command ended.
    const child = spawn(process.execPath, [REAPER, program, ...args], { cwd: options.cwd, env: options.env, detached: true, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    const pgid = child.pid;
    if (pgid !== undefined) liveGroups.add(pgid);

    const stdoutChunks: Buffer[] = [];
    let stdoutBytes = 0;
    let stderrTail = Buffer.alloc(0);
    let stderrTruncated = false;
    let outcome: CommandResult['outcome'] | undefined;
    let code: number | null = null;
    let signal: NodeJS.Signals | null = null;
    let startError: Error | undefined;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];

    const finish = () => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      if (pgid !== undefined) {
        // Whatever the command left running in its group goes with it (and frees the pipes).
        signalGroup(pgid, 'SIGKILL');
        liveGroups.delete(pgid);
      }
      child.stdout.destroy();
      child.stderr.destroy();
      flushLine(true);
      applyReport();
      resolve({
        outcome: outcome ?? (startError ? 'failed-to-start' : signal !== null ? 'signalled' : 'exited'),
        code,
        signal,
        stdout: Buffer.concat(stdoutChunks).toString('utf8'),
        stderrTail: stderrTail.toString('utf8'),
        stderrTruncated,
        durationMs: performance.now() - started,
        ...(startError ? { startError } : {}),
      });
    };

    /** The command's own ending, from the reaper's report (the reaper's own ending otherwise). */
    const applyReport = () => {
      const line = reportText.split('\n').find((l) => l.trim() !== '');
      if (line === undefined) return;
      let message: { exit?: { code: number | null; signal: NodeJS.Signals | null }; spawnError?: { code: string | null; message: string } };
      try {
        message = JSON.parse(line) as typeof message;
      } catch {
        return;
      }
      if (message.exit) {
        code = message.exit.code;
        signal = message.exit.signal;
      } else if (message.spawnError) {
        startError = Object.assign(new Error(message.spawnError.message), message.spawnError.code ? { code: message.spawnError.code } : {});
      }
    };

    const kill = (why: 'timed-out' | 'stdout-overflow') => {
      if (outcome !== undefined || pgid === undefined) return;
      outcome = why;
      if (why === 'stdout-overflow') {
        signalGroup(pgid, 'SIGKILL');
        return;
      }
      // SIGTERM first so that a method can clean up; SIGKILL the group if it lingers.
      signalGroup(pgid, 'SIGTERM');
      timers.push(setTimeout(() => signalGroup(pgid, 'SIGKILL'), options.killGraceMs));
    };

    // The limit; setTimeout cannot wait longer than 2³¹−1 ms, and such a limit means none anyway.
    if (Number.isFinite(options.timeoutMs) && options.timeoutMs < 2 ** 31) timers.push(setTimeout(() => kill('timed-out'), options.timeoutMs));

    const decoder = new StringDecoder('utf8');
    let partial = '';
    const flushLine = (end: boolean) => {
      if (!options.onStderrLine) return;
      if (end) partial += decoder.end();
      const lines = partial.split('\n');
      partial = end ? '' : lines.pop()!;
      for (const raw of lines) {
        const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
        if (line.trim() !== '') options.onStderrLine(line.length > MAX_FORWARDED_LINE ? `${line.slice(0, MAX_FORWARDED_LINE)}…` : line);
      }
      // A line that never ends must not grow without bound.
      if (partial.length > MAX_FORWARDED_LINE) {
        options.onStderrLine(`${partial.slice(0, MAX_FORWARDED_LINE)}…`);
        partial = '';
      }
    };

    // The reaper's report: the command's exit code and signal, or why it could not start.
    let reportText = '';
    const control = child.stdio[3] as NodeJS.ReadableStream | null;
    control?.on('data', (chunk: Buffer) => {
      reportText += chunk.toString('utf8');
    });
    control?.on('error', () => {});

    child.stdout.on('data', (chunk: Buffer) => {
      if (outcome === 'stdout-overflow') return;
      stdoutBytes += chunk.length;
      if (stdoutBytes > options.maxStdoutBytes) {
        kill('stdout-overflow');
        return;
      }
      stdoutChunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderrTail = Buffer.concat([stderrTail, chunk]);
      if (stderrTail.length > options.stderrTailBytes) {
        stderrTail = stderrTail.subarray(stderrTail.length - options.stderrTailBytes);
        stderrTruncated = true;
      }
      if (options.onStderrLine) {
        partial += decoder.write(chunk);
        flushLine(false);
      }
    });
    // stdin stays open (we never write to it) and closes when naspoison exits, which tells the
    // reaper to kill the group. An EPIPE after the reaper is gone changes nothing: ignore it.
    child.stdin.on('error', () => {});

    child.on('error', (error) => {
      // Only a failed start (ENOENT, EACCES…) matters: we never signal through `child`.
      if (pgid === undefined) {
        startError = error;
        finish();
      }
    });
    child.on('exit', (exitCode, exitSignal) => {
      code = exitCode;
      signal = exitSignal;
      // Descendants left in the group would hold the pipes open (and go on using the CPU).
      if (pgid !== undefined) signalGroup(pgid, 'SIGKILL');
      // One that moved to another group may still hold them: do not wait for it for ever.
      timers.push(setTimeout(finish, CLOSE_AFTER_EXIT_MS));
    });
    child.on('close', finish);
  });
}
