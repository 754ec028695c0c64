// The exec adapter's reaper: `node reaper.mjs <program> [args…]`, started by run-command.ts as the
// leader of a new process group. It runs the command in that group with its own stdin, stdout and
// stderr, and reports on fd 3, one JSON line, how the command ended ({"exit": {code, signal}}) or
// that it could not start ({"spawnError": {code, message}}).
//
// Why it exists: a method's process tree must not outlive naspoison. naspoison holds this
// process's stdin open and never writes to it; the kernel closes it when naspoison exits for any
// reason (kill -9 included, which runs no exit handler). At that end of file the reaper kills its
// whole group: the command and everything it started. Plain JavaScript, no imports beyond Node's.
import { spawn } from 'node:child_process';
import { writeSync } from 'node:fs';

const [program, ...args] = process.argv.slice(2);

function report(message) {
  try {
    writeSync(3, `${JSON.stringify(message)}\n`);
  } catch {
    // naspoison is gone: nobody to tell
  }
}

function killGroup() {
  try {
    process.kill(-process.pid, 'SIGKILL'); // the command, its descendants and this process
  } catch {
    process.exit(137);
  }
}

// naspoison's timeout sends SIGTERM to the whole group: the command decides what to do with it;
// the reaper waits for it (naspoison sends SIGKILL after its grace period).
process.on('SIGTERM', () => {});
process.on('SIGINT', () => {});
process.stdin.on('end', killGroup);
process.stdin.on('error', killGroup);
process.stdin.resume();

// stdin is shared: the command sees the same pipe (and its end of file) as the reaper.
const child = spawn(program, args, { stdio: 'inherit' });
child.on('error', (error) => {
  report({ spawnError: { code: error.code ?? null, message: error.message } });
  process.exit(0);
});
child.on('exit', (code, signal) => {
  report({ exit: { code, signal } });
  process.exit(0);
});
