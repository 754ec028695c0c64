/** The data a tier runs on: loaded, subset (stratified, seeded) and resized. */
import { loadDataset, resizePair, stratifiedSubset, type DatasetPair } from '../data/index.js';
import type { ImageDataset } from '../data/types.js';
import { Rng } from '../engine/rng.js';
import type { TierData } from './tier-types.js';

export interface DataSourceOptions {
  /** Folder with IDX or CIFAR binary files (overrides the built-in search). */
  dataDir?: string;
  /** Use the committed Fashion-MNIST subset even when the full set is installed. */
  fixtureOnly?: boolean;
}

/** Seed of the subset draw: fixed, so every trial and run of a tier sees the same images. */
export const TIER_DATA_SEED = 20_240_531;

function subset(ds: ImageDataset, size: number | null, rng: Rng): ImageDataset {
  if (size === null || size >= ds.n) return ds;
  return stratifiedSubset(ds, { total: size }, rng).subset;
}

export function loadTierData(data: TierData, source: DataSourceOptions = {}): DatasetPair {
  const pair = loadDataset({
    name: data.dataset,
    ...(source.dataDir !== undefined ? { dataDir: source.dataDir } : {}),
    ...(source.fixtureOnly || data.fixtureOnly ? { fixtureOnly: true } : {}),
  });
  const rng = new Rng(TIER_DATA_SEED);
  const reduced = { train: subset(pair.train, data.trainSubset, rng.child('train')), test: subset(pair.test, data.testSubset, rng.child('test')) };
  return resizePair(reduced, data.resolution);
}
