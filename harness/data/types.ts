/**
 * The data types every other layer sees: an {@link ImageDataset} (NHWC float images in [0, 1] with
 * integer labels) and a {@link DatasetPair} of train and test sets, plus a content hash used as a
 * cache key for poisons, trained accuracies and the like.
 */
import { createHash } from 'node:crypto';

/**
 * An image classification dataset held in memory.
 *
 * Datasets are treated as immutable once created: functions in this layer return new datasets
 * instead of changing one, and {@link datasetContentHash} caches its result per object.
 */
export interface ImageDataset {
  /** Short name, e.g. `fashion-mnist`, `fashion-mnist@16x16`, `synthetic`. */
  readonly name: string;
  /** Pixels in NHWC order (`n × height × width × channels`), scaled to [0, 1]. */
  readonly images: Float32Array;
  /** One class index per image, each in `[0, numClasses)`. */
  readonly labels: Int32Array;
  /** Number of images. */
  readonly n: number;
  /** Image height in pixels. */
  readonly height: number;
  /** Image width in pixels. */
  readonly width: number;
  /** Channels per pixel (1 for grey, 3 for RGB). */
  readonly channels: number;
  /** Number of classes (labels lie in `[0, numClasses)`). */
  readonly numClasses: number;
  /** Human-readable class names, `classNames[label]`, when known. */
  readonly classNames?: readonly string[];
  /**
   * Where the data came from: file paths, `fixture:<folder>` for the committed subset, or
   * `synthetic:<parameters>`; transformations such as resizing append a note.
   */
  readonly source: string;
}

/** The train and test parts of one dataset. */
export interface DatasetPair {
  /** The training set (splits into search/validation parts are taken from it). */
  readonly train: ImageDataset;
  /** The held-out test set. */
  readonly test: ImageDataset;
}

const hashCache = new WeakMap<ImageDataset, string>();

/**
 * SHA-256 (hex) of a dataset's content: its shape (`n, height, width, channels, numClasses`), the
 * float32 bytes of its images and the int32 bytes of its labels. Names, class names and sources
 * are not part of it, so the same pixels and labels loaded from different places hash the same.
 *
 * The result is cached per dataset object (datasets are immutable by convention), so calling it
 * often is cheap. Typed-array bytes are hashed in the platform's byte order (little-endian on every
 * platform Node supports in practice).
 */
export function datasetContentHash(ds: ImageDataset): string {
  const cached = hashCache.get(ds);
  if (cached !== undefined) return cached;
  const h = createHash('sha256');
  const shape = new Int32Array([ds.n, ds.height, ds.width, ds.channels, ds.numClasses]);
  h.update('naspoison.ImageDataset.v1');
  h.update(new Uint8Array(shape.buffer));
  h.update(new Uint8Array(ds.images.buffer, ds.images.byteOffset, ds.images.byteLength));
  h.update(new Uint8Array(ds.labels.buffer, ds.labels.byteOffset, ds.labels.byteLength));
  const hex = h.digest('hex');
  hashCache.set(ds, hex);
  return hex;
}
