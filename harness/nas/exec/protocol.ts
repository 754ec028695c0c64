/**
 * The exec protocol between naspoison and a NAS method run as a command (version 1): the request
 * naspoison writes (a JSON file, {@link ExecRequest}; schema: request.schema.json in this folder)
 * and the answer the command prints on stdout ({@link ExecAnswer}; schema: answer.schema.json).
 * README.md in this folder describes the whole exchange for authors of such commands.
 */

/** A JSON value: what a settings block may hold and what crosses the process boundary. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object (a settings block, the request's `settings`). */
export type JsonObject = { [key: string]: JsonValue };

/** The value of {@link ExecRequest.protocol}; a command should refuse a version it does not know. */
export const EXEC_PROTOCOL = 'naspoison-exec/1';

/** One IDX pair: images and labels of the same images, in the same order. */
export interface ExecIdxPair {
  /**
   * Absolute path of the images file: IDX uint8, uncompressed, big-endian header. Magic 0x00000803
   * with dimensions n × height × width when `channels` is 1, magic 0x00000804 with
   * n × height × width × channels (HWC order per image) otherwise. Pixel = round(255 · value).
   */
  images: string;
  /** Absolute path of the labels file: IDX uint8, magic 0x00000801, dimension n. */
  labels: string;
  /** Number of images (the first IDX dimension of both files). */
  n: number;
}

/** The data section of a request. */
export interface ExecRequestData {
  /** The dataset's name, e.g. `fashion-mnist@16x16` (informational). */
  name: string;
  /**
   * The images the search may train on: the (possibly poisoned) training set, or, when the plugin
   * holds out a validation split ({@link validation} not null), the rest of it.
   */
  train: ExecIdxPair;
  /**
   * A stratified validation split of the same (possibly poisoned) set, held out by naspoison when
   * the plugin was made with `validationFraction`; null when the method splits `train` itself.
   */
  validation: ExecIdxPair | null;
  height: number;
  width: number;
  channels: number;
  /** Labels lie in [0, numClasses). */
  numClasses: number;
  /** Class names by label, when the dataset has them. */
  classNames: string[] | null;
  /**
   * How pixel values in [0, 1] became bytes: byte = round(255 · value); `maxError` is the largest
   * |value − byte/255| over all written pixels (0 when the data came from uint8 files unchanged;
   * up to 1/510 after resizing or a perturbation poison).
   */
  quantization: { scale: 255; maxError: number };
}

/** The request naspoison writes to `request.json` for one search. */
export interface ExecRequest {
  /** {@link EXEC_PROTOCOL}. */
  protocol: typeof EXEC_PROTOCOL;
  /** The plugin's registry name (e.g. `py-random`). */
  method: string;
  /** The search space. */
  space: {
    /** Always `nb201`: NAS-Bench-201's cell, 4 nodes, 6 edges, 5 operations. */
    name: 'nb201';
    /** The operations, in the official order (none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3). */
    ops: string[];
    /** The 6 edges in the official order ((1←0), (2←0), (2←1), (3←0), (3←1), (3←2)); a genotype lists one op per edge in this order. */
    edges: Array<{ to: number; from: number }>;
    /** The answer's genotype string form, e.g. `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`. */
    genotypeFormat: string;
  };
  /** The tier's settings block for this method (defaults filled in), passed through unchanged. */
  settings: JsonObject;
  /**
   * Seed of every random choice of this search: an unsigned 32-bit integer. The clean and poisoned
   * arms of a trial get the same seed, so they differ only by the data.
   */
  seed: number;
  data: ExecRequestData;
  /**
   * Cells whose clean accuracy the harness knows (genotype strings), or an empty list. A method
   * that scores cells may score these and answer `panelScores` in this order.
   */
  panel: string[];
  /**
   * A folder the command may write scratch files into (it also holds the request and the data);
   * naspoison removes it, with everything in it, after the search.
   */
  workDir: string;
}

/** What the command prints on stdout: one JSON object and nothing else. */
export interface ExecAnswer {
  /** The chosen cell in NAS-Bench-201's string form (see {@link ExecRequest.space}). */
  genotype: string;
  /** Numbers and labels about the search (numbers, strings, booleans or null); stored with the trial. */
  diagnostics?: Record<string, number | string | boolean | null>;
  /** The method's selection signal on `request.panel`, in panel order (higher = preferred). */
  panelScores?: number[];
}
