/**
 * `loadDataset`: the one entry point that turns a dataset name into a {@link DatasetPair}.
 * Where the files come from, in order of precedence:
 *   1. `dataDir`, when given: IDX (MNIST-style) or CIFAR binary files under their standard names;
 *   2. for Fashion-MNIST, the full set installed by Debian's `dataset-fashion-mnist` package under
 *      /usr/share/datasets/fashion-mnist (unless `fixtureOnly`);
 *   3. for Fashion-MNIST, the committed stratified subset in fixtures/fashion-mnist (5,000 train,
 *      1,000 test images).
 * Each dataset's `source` says which was used.
 */
import { existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataFileError } from './errors.js';
import { loadIdxPair } from './idx.js';
import { loadCifarFiles, type Cifar100Label } from './cifar.js';
import { FASHION_MNIST_CLASS_NAMES, MNIST_CLASS_NAMES } from './class-names.js';
import type { DatasetPair } from './types.js';

/** Where Debian's `dataset-fashion-mnist` package installs the full Fashion-MNIST. */
export const SYSTEM_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** The committed Fashion-MNIST subset (see its README.md and manifest.json). */
export const FASHION_MNIST_FIXTURE_DIR = fileURLToPath(new URL('../../fixtures/fashion-mnist/', import.meta.url));

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Standard base names of the four IDX files (each may also end in `.gz`). */
export const IDX_FILE_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Standard names of the CIFAR-10 binary batches. */
export const CIFAR10_FILE_NAMES = {
  train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
  test: ['test_batch.bin'],
  subfolder: 'cifar-10-batches-bin',
} as const;

/** Standard names of the CIFAR-100 binary files. */
export const CIFAR100_FILE_NAMES = { train: ['train.bin'], test: ['test.bin'], subfolder: 'cifar-100-binary' } as const;

/** Dataset names with built-in knowledge (any other name needs `dataDir`). */
export type KnownDatasetName = 'fashion-mnist' | 'mnist' | 'cifar10' | 'cifar100';

/** Options of {@link loadDataset}. */
export interface LoadDatasetOptions {
  /** `fashion-mnist`, `mnist`, `cifar10`, `cifar100` (also `cifar-10`, `cifar-100`), or any name with `dataDir`. */
  name: KnownDatasetName | (string & {});
  /** A folder holding the dataset's files under their standard names; takes precedence over everything else. */
  dataDir?: string;
  /** Fashion-MNIST: use the committed subset even when the full set is installed. Ignored when `dataDir` is given. */
  fixtureOnly?: boolean;
  /** CIFAR-100: which label to use. Default `fine` (100 classes). */
  cifar100Label?: Cifar100Label;
  /** IDX datasets of names other than (fashion-)mnist: number of classes. Default 10. */
  numClasses?: number;
  /** Where to look for the installed full Fashion-MNIST. Default {@link SYSTEM_FASHION_MNIST_DIR}. */
  systemDir?: string;
}

type Format = 'idx' | 'cifar10' | 'cifar100';

function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  if (lower === 'cifar-10') return 'cifar10';
  if (lower === 'cifar-100') return 'cifar100';
  return lower;
}

function formatsFor(name: string): Format[] {
  if (name === 'fashion-mnist' || name === 'mnist') return ['idx'];
  if (name === 'cifar10') return ['cifar10'];
  if (name === 'cifar100') return ['cifar100'];
  return ['idx', 'cifar10', 'cifar100'];
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/** Result of looking for one format's files in a folder: paths found, or the names missing. */
interface Found<T> {
  files?: T;
  present: string[];
  missing: string[];
  lookedFor: string;
}

function findIdx(dir: string): Found<Record<keyof typeof IDX_FILE_NAMES, string>> {
  const files: Partial<Record<keyof typeof IDX_FILE_NAMES, string>> = {};
  const present: string[] = [];
  const missing: string[] = [];
  for (const [key, base] of Object.entries(IDX_FILE_NAMES) as Array<[keyof typeof IDX_FILE_NAMES, string]>) {
    const path = [join(dir, base), join(dir, `${base}.gz`)].find(isFile);
    if (path === undefined) missing.push(`${base}[.gz]`);
    else {
      files[key] = path;
      present.push(path);
    }
  }
  const lookedFor = Object.values(IDX_FILE_NAMES).map((b) => `${b}[.gz]`).join(', ');
  return missing.length === 0 ? { files: files as Record<keyof typeof IDX_FILE_NAMES, string>, present, missing, lookedFor } : { present, missing, lookedFor };
}

function findCifar(dir: string, names: { train: readonly string[]; test: readonly string[]; subfolder: string }): Found<{ train: string[]; test: string[] }> {
  const all = [...names.train, ...names.test];
  const lookedFor = `${all.join(', ')} (in the folder or its ${names.subfolder}/)`;
  let best: Found<{ train: string[]; test: string[] }> = { present: [], missing: all, lookedFor };
  for (const folder of [dir, join(dir, names.subfolder)]) {
    const present = all.map((f) => join(folder, f)).filter(isFile);
    const missing = all.filter((f) => !isFile(join(folder, f)));
    if (missing.length === 0) {
      return { files: { train: names.train.map((f) => join(folder, f)), test: names.test.map((f) => join(folder, f)) }, present, missing, lookedFor };
    }
    if (present.length > best.present.length) best = { present, missing, lookedFor };
  }
  return best;
}

function loadIdxDir(name: string, options: LoadDatasetOptions, files: Record<keyof typeof IDX_FILE_NAMES, string>, source?: (part: 'train' | 'test') => string): DatasetPair {
  const classNames = name === 'fashion-mnist' ? FASHION_MNIST_CLASS_NAMES : name === 'mnist' ? MNIST_CLASS_NAMES : undefined;
  const numClasses = classNames?.length ?? options.numClasses ?? 10;
  const common = { numClasses, ...(classNames ? { classNames } : {}) };
  return {
    train: loadIdxPair(files.trainImages, files.trainLabels, name, { ...common, ...(source ? { source: source('train') } : {}) }),
    test: loadIdxPair(files.testImages, files.testLabels, name, { ...common, ...(source ? { source: source('test') } : {}) }),
  };
}

function loadFromDataDir(dir: string, name: string, options: LoadDatasetOptions): DatasetPair {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new DataFileError(dir, `dataDir for dataset '${name}' is not an existing folder`);
  const formats = formatsFor(name);
  const searches: Array<{ format: Format; found: Found<unknown> }> = [];
  for (const format of formats) {
    if (format === 'idx') {
      const found = findIdx(dir);
      if (found.files) return loadIdxDir(name, options, found.files);
      searches.push({ format, found });
    } else {
      const names = format === 'cifar10' ? CIFAR10_FILE_NAMES : CIFAR100_FILE_NAMES;
      const found = findCifar(dir, names);
      if (found.files) {
        const cifarOpts = format === 'cifar10' ? { variant: format } : { variant: format, label: options.cifar100Label ?? 'fine' };
        return {
          train: loadCifarFiles(found.files.train, name, cifarOpts),
          test: loadCifarFiles(found.files.test, name, cifarOpts),
        };
      }
      searches.push({ format, found });
    }
  }
  const label: Record<Format, string> = { idx: 'IDX (MNIST-style)', cifar10: 'CIFAR-10 binary', cifar100: 'CIFAR-100 binary' };
  const partial = searches.find((s) => s.found.present.length > 0);
  if (partial) {
    throw new DataFileError(
      dir,
      `incomplete ${label[partial.format]} files for dataset '${name}': found ${partial.found.present.map((p) => relative(dir, p)).join(', ')} but missing ${partial.found.missing.join(', ')}`,
    );
  }
  throw new DataFileError(
    dir,
    `no files for dataset '${name}' in this folder; looked for ${searches.map((s) => `${label[s.format]}: ${s.found.lookedFor}`).join('; or ')}`,
  );
}

/**
 * Loads a dataset's train and test sets (see the module comment for where files come from).
 * @throws DataFileError when dataDir lacks the files (naming the folder and the files looked for)
 *   or a file is bad; RangeError for a name that cannot be loaded without dataDir.
 */
export function loadDataset(options: LoadDatasetOptions): DatasetPair {
  const name = canonicalName(options.name);
  if (options.dataDir !== undefined) return loadFromDataDir(options.dataDir, name, options);
  if (name !== 'fashion-mnist') {
    const known = name === 'mnist' || name === 'cifar10' || name === 'cifar100';
    throw new RangeError(
      known
        ? `dataset '${name}' is neither installed nor committed as a fixture here; pass dataDir (a folder with its files under their standard names)`
        : `unknown dataset '${options.name}': built in are fashion-mnist (fixture and system copy), mnist, cifar10 and cifar100 (with dataDir); any other name needs dataDir`,
    );
  }
  const systemDir = options.systemDir ?? SYSTEM_FASHION_MNIST_DIR;
  if (!options.fixtureOnly) {
    const found = findIdx(systemDir);
    if (found.files) return loadIdxDir(name, options, found.files);
  }
  const fixture = findIdx(FASHION_MNIST_FIXTURE_DIR);
  if (!fixture.files) {
    throw new DataFileError(
      FASHION_MNIST_FIXTURE_DIR,
      `the committed Fashion-MNIST subset is missing ${fixture.missing.join(', ')}; regenerate it with \`npx tsx fixtures/scripts/make-fashion-mnist-subset.ts\``,
    );
  }
  const files = fixture.files;
  const rel = relative(REPO_ROOT, FASHION_MNIST_FIXTURE_DIR).replace(/\\/g, '/') || '.';
  return loadIdxDir(name, options, files, (part) => {
    const [img, lab] = part === 'train' ? [files.trainImages, files.trainLabels] : [files.testImages, files.testLabels];
    return `fixture:${rel}/${relative(FASHION_MNIST_FIXTURE_DIR, img)} + ${relative(FASHION_MNIST_FIXTURE_DIR, lab)}`;
  });
}
