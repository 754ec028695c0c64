/**
 * The one error class of the data layer: every problem with a data file (truncated, wrong format,
 * corrupt compression, labels out of range, missing files) is reported as a {@link DataFileError}
 * whose message names the file (or folder) and the problem.
 */

/** A data file or folder that cannot be used, with the path and the problem in the message. */
export class DataFileError extends Error {
  /** The file or folder the problem is in. */
  readonly file: string;
  /** The problem, without the path (the message is `${file}: ${problem}`). */
  readonly problem: string;

  /**
   * @param file the path of the file (or folder) that is at fault
   * @param problem what is wrong, in words a user can act on
   * @param options standard error options (e.g. `cause` for the underlying zlib error)
   */
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super(`${file}: ${problem}`, options);
    this.name = 'DataFileError';
    this.file = file;
    this.problem = problem;
  }
}
