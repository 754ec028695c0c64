/** The naspoison command line: a thin dispatcher over the harness. */
import { readFileSync } from 'node:fs';
import { style, UsageError } from './terminal.js';

type Command = (argv: string[]) => Promise<number>;

// Loaded on demand: `doctor` or `--help` need not load the training stack.
const COMMANDS: Record<string, { load: () => Promise<Command>; summary: string }> = {
  run: { load: async () => (await import('./run-command.js')).runCommand, summary: 'run the poisoning spec files at a tier and write the report (exit 1 if an assertion fails)' },
  report: { load: async () => (await import('./report-command.js')).reportCommand, summary: 'render a run\'s Markdown/HTML/JSON report from the store' },
  leaderboard: { load: async () => (await import('./leaderboard-command.js')).leaderboardCommand, summary: 'rank NAS methods under poisoning across runs, with rank groups' },
  merge: { load: async () => (await import('./merge-command.js')).mergeCommand, summary: 'merge sharded result stores into one' },
  calibrate: { load: async () => (await import('./calibrate-command.js')).calibrateCommand, summary: 'measure a tier\'s headroom and seed noise, and the power of the shipped hypotheses' },
  train: { load: async () => (await import('./train-command.js')).trainCommand, summary: 'train and evaluate one NB201 architecture on clean data' },
  doctor: { load: async () => (await import('./doctor-command.js')).doctorCommand, summary: 'check backends, data and machine' },
};

export const MAIN_HELP = `Usage: naspoison <command> [options]

Benchmark harness for data-poisoning attacks on neural architecture search.

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(12)}${c.summary}`)
  .join('\n')}

Run "naspoison <command> --help" for a command's options.
Environment: NASPOISON_BACKEND, NASPOISON_TIER, NASPOISON_STORE, NASPOISON_WORKERS (trial processes;
default: one per core, at most 8), NASPOISON_DEBUG (stack traces), NO_COLOR.
Exit codes: 0 success, 1 failure (failed assertion or error), 2 usage error.
`;

/** Runs the CLI and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(MAIN_HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`naspoison: unknown command "${name}"\n\n${MAIN_HELP}`);
    return 2;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    const help = (await import('./help.js')) as unknown as Record<string, string>;
    const text = help[`${name.toUpperCase()}_HELP`];
    if (text !== undefined) {
      process.stdout.write(text);
      return 0;
    }
  }
  try {
    return await (await command.load())(rest);
  } catch (error) {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`${style.red(`naspoison ${name}: ${(error as Error).message}`, process.stderr)}\n`);
    if (usage) process.stderr.write(`Run "naspoison ${name} --help" for usage.\n`);
    if (!usage && process.env.NASPOISON_DEBUG) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
    return usage ? 2 : 1;
  }
}
