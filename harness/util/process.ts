/**
 * Which process owns something (a temporary folder, a run row), and whether that process still
 * exists: what `kill -9` debris is told apart by. Dependency-free.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** A process as recorded by its owner: enough to tell, later, whether it is still running. */
export interface ProcessIdentity {
  /** Its process id. */
  readonly pid: number;
  /** The machine it ran on (a pid means nothing on another one). */
  readonly host: string;
  /**
   * Its start time in clock ticks since boot (`/proc/<pid>/stat` field 22), where the system has
   * one: a later process that reuses the pid has another, so it is not mistaken for the owner.
   */
  readonly startTicks?: string;
}

/** Whether a recorded process still runs: `elsewhere` when it ran on another host (unknowable here). */
export type ProcessState = 'alive' | 'gone' | 'elsewhere';

/** State (field 3) and start time (field 22) of `pid` from /proc (Linux); undefined where there is none. */
function procStat(pid: number): { state: string; startTicks: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2, the command name, may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [state, startTicks] = [fields[0], fields[19]];
    return state === undefined || startTicks === undefined ? undefined : { state, startTicks };
  } catch {
    return undefined;
  }
}

/** This process's identity. */
export function currentProcess(): ProcessIdentity {
  const ticks = procStat(process.pid)?.startTicks;
  return { pid: process.pid, host: hostname(), ...(ticks !== undefined ? { startTicks: ticks } : {}) };
}

/**
 * Whether the recorded process still runs on this host. A pid that exists but belongs to a process
 * started at another time (pid reuse) counts as gone, and so does a zombie (killed, not yet reaped:
 * after a `kill -9` of a process group the orphans wait for init, which may take seconds); one
 * owned by another user (EPERM) counts as alive.
 */
export function processState(owner: ProcessIdentity): ProcessState {
  if (owner.host !== hostname()) return 'elsewhere';
  if (!Number.isSafeInteger(owner.pid) || owner.pid <= 0) return 'gone';
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return 'gone';
  }
  const now = procStat(owner.pid);
  if (now !== undefined && (now.state === 'Z' || now.state === 'X')) return 'gone';
  if (owner.startTicks !== undefined && now !== undefined && now.startTicks !== owner.startTicks) return 'gone';
  return 'alive';
}

/** Reads a {@link ProcessIdentity} from parsed JSON; undefined when it is not one. */
export function parseProcessIdentity(value: unknown): ProcessIdentity | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.pid !== 'number' || typeof v.host !== 'string') return undefined;
  return { pid: v.pid, host: v.host, ...(typeof v.startTicks === 'string' ? { startTicks: v.startTicks } : {}) };
}
