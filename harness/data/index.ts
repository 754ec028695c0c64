/** The data layer of naspoison: loaders (IDX, CIFAR binary), synthetic data, splits, resizing. */
export type { ImageDataset, DatasetPair } from './types.js';
export { datasetContentHash } from './types.js';
export { DataFileError } from './errors.js';
export { createImageDataset, bytesToUnitFloats, classCounts, type ImageDatasetFields } from './dataset.js';
export { isGzip, readDataFile } from './file-bytes.js';
export {
  loadIdxPair,
  readIdxImages,
  readIdxLabels,
  parseIdx,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  type IdxImages,
  type LoadIdxOptions,
} from './idx.js';
export { encodeIdx, writeIdxFile } from './idx-write.js';
export {
  loadCifarFiles,
  readCifarFiles,
  CIFAR_SIZE,
  CIFAR_PIXEL_BYTES,
  type CifarOptions,
  type CifarRecords,
  type CifarVariant,
  type Cifar100Label,
} from './cifar.js';
export {
  FASHION_MNIST_CLASS_NAMES,
  MNIST_CLASS_NAMES,
  CIFAR10_CLASS_NAMES,
  CIFAR100_FINE_CLASS_NAMES,
  CIFAR100_COARSE_CLASS_NAMES,
} from './class-names.js';
export { syntheticDataset, syntheticPair, type SyntheticOptions, type SyntheticShape } from './synthetic.js';
export { resizeDataset, resizePair } from './resize.js';
export {
  takeIndices,
  stratifiedSplit,
  stratifiedSplitIndices,
  stratifiedSubset,
  stratifiedSubsetIndices,
  proportionalAllocation,
  type StratifiedSplit,
  type SplitIndices,
  type SubsetSize,
} from './split.js';
export {
  loadDataset,
  SYSTEM_FASHION_MNIST_DIR,
  FASHION_MNIST_FIXTURE_DIR,
  IDX_FILE_NAMES,
  CIFAR10_FILE_NAMES,
  CIFAR100_FILE_NAMES,
  type LoadDatasetOptions,
  type KnownDatasetName,
} from './load.js';
