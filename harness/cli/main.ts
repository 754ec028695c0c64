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
default: one per core, at most 8), NASPOISON_DEBUG (stack traces), NO_COLOR. Read once, by the
command; "run" hands its spec processes one run configuration (NASPOISON_RUN_CONFIG, JSON).
Exit codes: 0 success, 1 failure (failed assertion or error), 2 usage error.
`;

/**
 * `--flag -1` as `--flag=-1`: Node's parseArgs reads a value that starts with a dash as a missing
 * value ("argument is ambiguous"), so a negative number would never reach the option's own check,
 * which names the flag and the allowed range.
 */
export function joinNegativeValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (/^--[^=]+$/.test(arg) && next !== undefined && /^-(\d|\.\d|Infinity\b)/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** Node's parseArgs errors in one line of ours: which argument, and what is wrong with it. */
function parseArgsMessage(error: Error & { code?: string }, command: string): string {
  const message = error.message;
  const option = /'(-[^' ]+)/.exec(message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? message}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? message}: naspoison ${command} takes no positional arguments`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(message)) return `${option ?? message} takes no value`;
      return `${option ?? message} needs a value`;
    default:
      return message;
  }
}

/** Runs the CLI and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...given] = argv;
  const rest = joinNegativeValues(given);
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
    const parseError = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true;
    const usage = error instanceof UsageError || parseError;
    const message = parseError ? parseArgsMessage(error as Error & { code?: string }, name) : (error as Error).message;
    process.stderr.write(`${style.red(`naspoison ${name}: ${message}`, process.stderr)}\n`);
    if (usage) process.stderr.write(`Run "naspoison ${name} --help" for usage.\n`);
    if (!usage && process.env.NASPOISON_DEBUG) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
    return usage ? 2 : 1;
  }
}
