/**
 * The exec adapter: a NAS method written in any language, run as a command. For each search it
 * writes the (possibly poisoned) training set as IDX files and a JSON request into a fresh folder,
 * runs the command, reads the chosen cell from its stdout and removes the folder. The protocol is
 * described in README.md in this folder (request: {@link ExecRequest}, request.schema.json;
 * answer: {@link ExecAnswer}, answer.schema.json).
 *
 * @example
 * nasAlgorithms.register(execNasAlgorithm({
 *   name: 'py-random', description: 'random search in Python', family: 'training-based',
 *   command: ['python3', 'examples/exec-random-search/search.py'],
 * }) as NasAlgorithm<unknown>);
 */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stratifiedSplit } from '../../data/split.js';
import { Rng, deriveSeed } from '../../engine/rng.js';
import { NB201_EDGES, NB201_OPS } from '../../space/ops.js';
import { genotypeToString } from '../../space/genotype.js';
import { settingsSchema } from '../../plugins/settings.js';
import type { NasAlgorithm, SearchContext, SearchCostContext, SearchOutcome } from '../types.js';
import { AnswerError, parseAnswer } from './answer.js';
import { createSearchFolder, sweepStaleSearchFolders, writeIdxPair } from './data-files.js';
import { EXEC_PROTOCOL, type ExecRequest, type JsonObject } from './protocol.js';
import { runCommand, type CommandResult } from './run-command.js';
import { execSettings } from './settings.js';

export { EXEC_PROTOCOL, type ExecAnswer, type ExecIdxPair, type ExecRequest, type ExecRequestData, type JsonObject, type JsonValue } from './protocol.js';
export { AnswerError, parseAnswer } from './answer.js';
export { EXEC_FOLDER_PREFIX } from './data-files.js';

/** Default wall-clock limit of one search: an hour. */
export const DEFAULT_EXEC_TIMEOUT_MS = 60 * 60 * 1000;
/** Default time between SIGTERM and SIGKILL of a command that ran out of time. */
export const DEFAULT_KILL_GRACE_MS = 5000;
/** The argument replaced by the request's path; without one, the path is appended to the command. */
export const REQUEST_PLACEHOLDER = '{request}';

/** Stdout larger than this is not an answer (the answer is a genotype and a few numbers). */
const MAX_STDOUT_BYTES = 8 * 1024 * 1024;
/** Stderr kept for error messages. */
const STDERR_TAIL_BYTES = 64 * 1024;
/** Lines of stderr an error message shows. */
const STDERR_TAIL_LINES = 20;

/** How an exec method is run. */
export interface ExecNasOptions {
  /** Registry name (lower-case letters, digits, dashes), e.g. `py-random`. */
  name: string;
  /** One line for `--help`, reports and error messages. */
  description: string;
  /** Program and arguments, no shell. An argument `{request}` is replaced by the request's path; without one the path is appended. */
  command: readonly string[];
  /** Whether the method trains on the data (labels can move it) or only scores architectures. */
  family: NasAlgorithm['family'];
  /** Wall-clock limit of one search in ms (default an hour; Infinity: none). */
  timeoutMs?: number;
  /** Working directory of the command (default: naspoison's). */
  cwd?: string;
  /** Variables added to naspoison's environment for the command (undefined removes one). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Settings defaults; keys of the tier's `nas[name]` block replace them. Default `{}`. */
  defaults?: JsonObject;
  /**
   * A JSON Schema (draft-07) of the tier block, or the URL of a file holding one: the block is
   * checked against it when a tier loads, so that a mistake is named by its path in the tier
   * before any search runs. Without one, any JSON object passes (the command must check it).
   */
  schema?: Readonly<Record<string, unknown>> | URL;
  /**
   * When set, naspoison holds out this fraction of the search set (stratified by its possibly
   * poisoned labels, seeded by the search seed) and sends it as `data.validation`. Default: no
   * split (`data.validation` is null; the method splits `data.train` itself).
   */
  validationFraction?: number;
  /** Time between SIGTERM and SIGKILL on timeout (default 5 s). */
  killGraceMs?: number;
  /** Where the per-search folders are made (default: the system's temp directory). */
  tempDir?: string;
  /** Whether stderr lines are passed to the search's `log` as progress (default true). */
  forwardStderr?: boolean;
  /** How given settings depart from the published method (see {@link NasAlgorithm.deviations}). */
  deviations?: (settings: JsonObject) => string[];
  /** Relative cost of one search for shard balancing (see {@link NasAlgorithm.searchCost}). */
  searchCost?: (settings: JsonObject, run: SearchCostContext) => number;
}

/** Why a command failed to answer. */
export type ExecFailure = 'failed-to-start' | 'timed-out' | 'exit-code' | 'signalled' | 'stdout-overflow' | 'bad-answer';

/** A search whose command did not answer properly; the message names the command and shows its stderr tail. */
export class ExecNasError extends Error {
  override readonly name = 'ExecNasError';

  constructor(
    message: string,
    /** The command as run (the request path included). */
    readonly command: readonly string[],
    readonly failure: ExecFailure,
    /** The end of its stderr. */
    readonly stderrTail: string,
  ) {
    super(message);
  }
}

/** The command for a message: arguments with spaces or quotes are JSON-quoted. */
export function formatCommand(command: readonly string[]): string {
  return command.map((a) => (/^[\w@%+=:,./{}-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The last lines of stderr, indented, for an error message. */
function stderrBlock(result: CommandResult): string {
  const lines = result.stderrTail.replace(/\s+$/, '').split('\n');
  if (lines.length === 1 && lines[0] === '') return 'its stderr was empty';
  const shown = lines.slice(-STDERR_TAIL_LINES);
  const cut = result.stderrTruncated || shown.length < lines.length;
  return `stderr (${cut ? `last ${shown.length} lines` : 'all of it'}):\n${shown.map((l) => `  | ${l}`).join('\n')}`;
}

function checkOptions(options: ExecNasOptions): void {
  const { name } = options;
  if (!Array.isArray(options.command) || options.command.length === 0 || !options.command.every((a) => typeof a === 'string')) {
    throw new Error(`exec NAS algorithm ${name}: command must be a non-empty list of strings (program and arguments)`);
  }
  if (options.command[0] === '') throw new Error(`exec NAS algorithm ${name}: the program (command[0]) is empty`);
  const t = options.timeoutMs;
  if (t !== undefined && !(typeof t === 'number' && t > 0)) throw new Error(`exec NAS algorithm ${name}: timeoutMs must be a positive number of ms (Infinity for none), got ${t}`);
  const g = options.killGraceMs;
  if (g !== undefined && !(typeof g === 'number' && g >= 0 && Number.isFinite(g))) throw new Error(`exec NAS algorithm ${name}: killGraceMs must be a finite number ≥ 0, got ${g}`);
  const v = options.validationFraction;
  if (v !== undefined && !(typeof v === 'number' && v > 0 && v < 1)) throw new Error(`exec NAS algorithm ${name}: validationFraction must be in (0, 1), got ${v}`);
}

/**
 * Makes a NAS algorithm plugin that runs `options.command` for each search (see README.md in this
 * folder for the protocol). Register it with `nasAlgorithms.register(…)` in a spec file.
 * @throws Error on a malformed option (empty command, bad timeout or validation fraction)
 */
export function execNasAlgorithm(options: ExecNasOptions): NasAlgorithm<JsonObject> {
  checkOptions(options);
  const { name } = options;
  const defaults = execSettings(options.defaults ?? {}, {}, name);
  const schema = options.schema === undefined ? undefined : settingsSchema<JsonObject>(name, options.schema);
  const timeoutMs = options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;

  async function search(context: SearchContext<JsonObject>): Promise<SearchOutcome> {
    const started = performance.now();
    const { train, seed } = context;
    const parent = options.tempDir ?? tmpdir();
    sweepStaleSearchFolders(parent);
    const dir = createSearchFolder(parent);
    try {
      let trainPart = train;
      let validation: ReturnType<typeof writeIdxPair> | null = null;
      if (options.validationFraction !== undefined) {
        const split = stratifiedSplit(train, options.validationFraction, new Rng(deriveSeed(seed, 'exec-validation')));
        trainPart = split.train;
        validation = writeIdxPair(split.validation, dir, 'validation');
      }
      const trainFiles = writeIdxPair(trainPart, dir, 'train');
      const panel = (context.panel ?? []).map(genotypeToString);
      const request: ExecRequest = {
        protocol: EXEC_PROTOCOL,
        method: name,
        space: {
          name: 'nb201',
          ops: [...NB201_OPS],
          edges: NB201_EDGES.map((e) => ({ to: e.to, from: e.from })),
          genotypeFormat: '|op~0|+|op~0|op~1|+|op~0|op~1|op~2|',
        },
        settings: context.settings,
        seed: seed >>> 0,
        data: {
          name: train.name,
          train: trainFiles.pair,
          validation: validation === null ? null : validation.pair,
          height: train.height,
          width: train.width,
          channels: train.channels,
          numClasses: train.numClasses,
          classNames: train.classNames === undefined ? null : [...train.classNames],
          quantization: { scale: 255, maxError: Math.max(trainFiles.maxError, validation?.maxError ?? 0) },
        },
        panel,
        workDir: dir,
      };
      const requestPath = join(dir, 'request.json');
      writeFileSync(requestPath, `${JSON.stringify(request, null, 2)}\n`);

      const command = options.command.includes(REQUEST_PLACEHOLDER)
        ? options.command.map((a) => (a === REQUEST_PLACEHOLDER ? requestPath : a))
        : [...options.command, requestPath];
      const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, NASPOISON_EXEC_REQUEST: requestPath, NASPOISON_EXEC_DIR: dir };
      for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
      const log = context.log;
      const result = await runCommand({
        command,
        cwd: options.cwd,
        env,
        timeoutMs,
        killGraceMs: options.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
        maxStdoutBytes: MAX_STDOUT_BYTES,
        stderrTailBytes: STDERR_TAIL_BYTES,
        onStderrLine: log && options.forwardStderr !== false ? (line) => log(`${name}: ${line}`) : undefined,
      });

      const fail = (failure: ExecFailure, what: string): never => {
        throw new ExecNasError(`${name}: the command \`${formatCommand(command)}\` ${what}; ${stderrBlock(result)}`, command, failure, result.stderrTail);
      };
      const took = seconds(result.durationMs);
      switch (result.outcome) {
        case 'failed-to-start': {
          const code = (result.startError as NodeJS.ErrnoException | undefined)?.code;
          const hint = code === 'ENOENT' ? ` (is ${command[0]} installed and on PATH${options.cwd ? `, or the working directory ${options.cwd} missing` : ''}?)` : '';
          return fail('failed-to-start', `could not be started: ${result.startError?.message ?? 'unknown error'}${hint}`);
        }
        case 'timed-out':
          return fail('timed-out', `timed out after ${took} (timeoutMs ${timeoutMs}) and was killed with its process group`);
        case 'stdout-overflow':
          return fail('stdout-overflow', `printed more than ${MAX_STDOUT_BYTES} bytes on stdout and was killed; stdout holds only the answer (send progress to stderr)`);
        case 'signalled':
          return fail('signalled', `was killed by ${result.signal} after ${took}, not by naspoison (out of memory?)`);
        case 'exited':
          if (result.code !== 0) return fail('exit-code', `exited with code ${result.code} after ${took}`);
      }
      let answer;
      try {
        answer = parseAnswer(result.stdout, panel.length);
      } catch (error) {
        if (error instanceof AnswerError) return fail('bad-answer', `exited with code 0 but ${error.message}`);
        throw error;
      }
      return {
        genotype: answer.genotype,
        // The adapter's times last: they include starting the process and writing the data, the
        // cost a user of this method pays.
        diagnostics: { ...answer.diagnostics, commandMs: Math.round(result.durationMs), searchMs: Math.round(performance.now() - started) },
        ...(answer.panelScores !== undefined ? { panelScores: answer.panelScores } : {}),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  return {
    name,
    description: options.description,
    family: options.family,
    settings: (block: unknown) => execSettings(schema && block !== undefined && block !== null ? schema.check(block) : block, defaults, name),
    search,
    ...(options.deviations ? { deviations: options.deviations } : {}),
    ...(options.searchCost ? { searchCost: options.searchCost } : {}),
  };
}
