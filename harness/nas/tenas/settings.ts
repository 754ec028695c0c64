/**
 * TE-NAS settings: the tier's `nas.tenas` block. Its schema is this folder's `settings.schema.json`;
 * every field is optional and {@link tenasSettings} fills in the published NAS-Bench-201 settings
 * (a missing block means the method as published).
 *
 * Published settings, from the authors' launcher (VITA-Group/TENAS and the study's fork
 * ztcoalson/TENAS, prune_launch.py and prune_tenas.py, NAS-Bench-201 space): NTK on one batch of 72
 * images of a C = 3, N = 1 supernet (with stem, affine BN, training mode); linear regions of a
 * one-cell, one-channel network without stem (`C: 1, N: 1, depth: 1, use_stem: False`) on
 * `input_size=(1000, 1, 3, 3)` × `sample_batch=3`, i.e. 3,000 one-channel 3×3 crops; `repeat 3`,
 * `precision 3`, `prune_number 1`; `none` masked on every edge before the first round.
 */
import { settingsSchema } from '../../plugins/settings.js';
import type { SearchCostContext } from '../types.js';

export interface TenasTierSettings {
  /** Initial channels C of the supernet whose NTK condition number is scored. */
  channels?: number;
  /** Cells per stage N of that supernet. */
  cellsPerStage?: number;
  /** Images of the one NTK batch, drawn from the search set by the seed (never by label). */
  batchSize?: number;
  /** Weight initialisations each κ and R is averaged over. */
  repeats?: number;
  /** One-channel crops the linear regions are counted over. */
  regionSamples?: number;
  /** Side of those crops. */
  regionCrop?: number;
  /** Decimals the relative changes of κ and R are rounded to before ranking. */
  precision?: number;
  /** Remove `none` from every edge before the first round (the authors' code); false: it competes. */
  pruneNoneFirst?: boolean;
  /** Also score the panel cells as single networks (`panelScores`, for panelRankCorrelation). */
  scorePanel?: boolean;
}

/** The effective settings: every field filled in. */
export type TenasSettings = { [K in keyof TenasTierSettings]-?: Exclude<TenasTierSettings[K], undefined> };

/** TE-NAS as published for NAS-Bench-201 (see the module comment for the sources). */
export const TENAS_PUBLISHED = {
  channels: 3,
  cellsPerStage: 1,
  batchSize: 72,
  repeats: 3,
  regionSamples: 3000,
  regionCrop: 3,
  precision: 3,
  pruneNoneFirst: true,
} as const;

/** Defaults: the published settings, plus the harness's panel scoring (a diagnostic only). */
export const TENAS_DEFAULTS: TenasSettings = { ...TENAS_PUBLISHED, scorePanel: true };

/** The compiled schema of a `nas.tenas` block. */
export const TENAS_SCHEMA = settingsSchema<TenasTierSettings>('tenas', new URL('./settings.schema.json', import.meta.url));

/**
 * Effective settings from a tier block (a missing block means the published settings): checked
 * against {@link TENAS_SCHEMA}, defaults filled in.
 *
 * @throws SettingsError naming each mistake by its JSON path within the block, e.g.
 *   `tenas: /batchSize must be >= 2`
 */
export function tenasSettings(block: unknown): TenasSettings {
  if (block === undefined || block === null) return { ...TENAS_DEFAULTS };
  return { ...TENAS_DEFAULTS, ...TENAS_SCHEMA.check(block) };
}

/**
 * Rounds of one search and the supernets scored in them: per round, the current supernet and one
 * per candidate removal (each op of each edge; every edge has the same number of ops left).
 */
export function tenasNetworkCount(s: Pick<TenasSettings, 'pruneNoneFirst'>): { rounds: number; supernets: number } {
  let rounds = 0;
  let supernets = 0;
  for (let ops = s.pruneNoneFirst ? 4 : 5; ops > 1; ops--) {
    rounds++;
    supernets += 6 * ops + 1;
  }
  return { rounds, supernets };
}

/**
 * Images of the evaluation network a training step costs about as much as one forward and backward
 * pass of a small network: such passes run at the speed of their kernel launches, not of their
 * arithmetic. Measured at the smoke tier (wasm): 37 ms per pass of the C = 3 NTK supernet on 8
 * images, ~50 ms per 64-image training step of the smoke evaluation network.
 */
const LAUNCH_BOUND_IMAGES = 64;

/**
 * A search's cost hint (image-epochs of the evaluation network): κ of one network is one forward
 * and backward pass over the batch per sample, each costing like max(batch, 64) evaluation images
 * (see LAUNCH_BOUND_IMAGES), for every network scored — the supernets of each round, the final cell
 * and the panel — and every repeat. The region network (one channel, one cell, one forward pass) is
 * negligible.
 */
export function tenasSearchCost(s: TenasSettings, run: SearchCostContext): number {
  const { supernets } = tenasNetworkCount(s);
  const networks = supernets + 1 + (s.scorePanel ? run.panelSize : 0);
  return s.repeats * networks * s.batchSize * Math.max(s.batchSize, LAUNCH_BOUND_IMAGES);
}

/** Each way `s` departs from TE-NAS as published (for the report's method section). */
export function tenasDeviations(s: TenasSettings): string[] {
  const p = TENAS_PUBLISHED;
  const out: string[] = [
    `κ and R are each averaged over ${s.repeats} weight initialisation${s.repeats === 1 ? '' : 's'} on one fixed batch (κ) and one fixed crop set (R); the authors' code re-draws the batch and the crops for each repeat and keeps its weights (one draw per round for κ, per candidate for R): its re-initialisation, init_model(…, "kaiming_normal_fanout"), matches none of init_model's schemes, so PyTorch's default initialisation stays`,
    'images enter the NTK supernet in [0, 1] as everywhere in this harness (the authors normalise by dataset mean and sd); the region crops are standardised per channel by the search set\'s own mean and sd',
  ];
  if (s.batchSize !== p.batchSize) out.push(`NTK batch of ${s.batchSize} images instead of ${p.batchSize}`);
  if (s.channels !== p.channels) out.push(`NTK supernet with ${s.channels} initial channels instead of ${p.channels}`);
  if (s.cellsPerStage !== p.cellsPerStage) out.push(`NTK supernet with ${s.cellsPerStage} cells per stage instead of ${p.cellsPerStage}`);
  if (s.repeats !== p.repeats) out.push(`${s.repeats} repeat${s.repeats === 1 ? '' : 's'} instead of ${p.repeats}`);
  if (s.regionSamples !== p.regionSamples) out.push(`linear regions counted over ${s.regionSamples} crops instead of ${p.regionSamples} (3 × 1000)`);
  if (s.regionCrop !== p.regionCrop) out.push(`${s.regionCrop}×${s.regionCrop} region crops instead of ${p.regionCrop}×${p.regionCrop}`);
  if (s.precision !== p.precision) out.push(`relative changes rounded to ${s.precision} decimals instead of ${p.precision}`);
  if (s.pruneNoneFirst !== p.pruneNoneFirst) out.push('`none` competes with the other ops instead of being removed from every edge before the first round');
  return out;
}
