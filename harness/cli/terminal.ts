/** Terminal output following Node conventions: NO_COLOR / FORCE_COLOR, colour only on a TTY. */
import { formatDuration } from '../util/format.js';

export { formatDuration };

function colourEnabled(stream: NodeJS.WriteStream): boolean {
  if ('NO_COLOR' in process.env && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && process.env.TERM !== 'dumb';
}

function paint(code: number, reset: number) {
  return (text: string, stream: NodeJS.WriteStream = process.stdout): string =>
    colourEnabled(stream) ? `\u001b[${code}m${text}\u001b[${reset}m` : text;
}

export const style = {
  bold: paint(1, 22),
  dim: paint(2, 22),
  red: paint(31, 39),
  green: paint(32, 39),
  yellow: paint(33, 39),
  cyan: paint(36, 39),
};


/** Progress lines "label i/N · elapsed · ETA" on stderr, so stdout stays clean for results. */
export class Progress {
  private readonly started = performance.now();
  constructor(private readonly total: number, private readonly label: string) {}

  /** Reports that `done` of `total` units are complete, with an optional detail. */
  update(done: number, detail = ''): void {
    const elapsed = performance.now() - this.started;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : NaN;
    const line = `${this.label} ${done}/${this.total} · ${formatDuration(elapsed)} elapsed · ETA ${done >= this.total ? '0s' : formatDuration(eta)}${detail ? ` · ${detail}` : ''}`;
    process.stderr.write(`${style.dim(line, process.stderr)}\n`);
  }

}

/** A usage error: printed with the command's help hint, exit code 2. */
export class UsageError extends Error {}

/**
 * Runs a parser of user input (a tier name or file, a genotype string, an epoch count…) and turns
 * what it throws into a {@link UsageError}, so a bad option value exits with 2, not 1.
 */
export function userInput<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof UsageError || !(error instanceof Error)) throw error;
    throw new UsageError(error.message, { cause: error });
  }
}
