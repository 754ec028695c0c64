/**
 * The `naspoison` package: what spec files and plugin modules import (`import { … } from
 * 'naspoison'`, resolved through package.json "exports" — also inside this repository, by
 * self-reference).
 *
 * - Spec files: {@link poisoningMatrix} and the matchers it feeds (installed by the bench setup;
 *   {@link installMatchers} for a setup of your own).
 * - Plugin modules (`*.plugin.ts` beside a spec file, or `naspoison run --plugin <module>`): the
 *   registries {@link nasAlgorithms}, {@link attacks} and {@link defences}, the {@link NasAlgorithm},
 *   {@link Attack} and {@link Defence} interfaces, {@link settingsSchema} for a plugin's own
 *   settings schema, and the surrogate classifier attacks and defences train ({@link trainSurrogate}).
 */
export { poisoningMatrix, PoisoningMatrix, MetricSample, ArmView, installMatchers, type PoisoningMatrixOptions, type FamilyMember, type UnderpoweredMode } from './spec/index.js';

export { nasAlgorithms, randomBaseline, type Diagnostics, type NasAlgorithm, type SearchContext, type SearchOutcome } from './nas/index.js';
export { execNasAlgorithm, ExecNasError, EXEC_PROTOCOL, type ExecNasOptions, type ExecRequest, type ExecAnswer, type JsonObject } from './nas/exec/index.js';
export { relativeWidth, type SearchCostContext } from './nas/types.js';
export {
  attacks,
  CLEAN,
  makeArtifact,
  applyPoison,
  poisonCount,
  verifyPoison,
  isPoisonRefused,
  PoisonRefusedError,
  type Attack,
  type CraftContext,
  type PerturbationBound,
  type PluginParams,
  type PoisonArtifact,
  type PoisonDiagnostic,
  type ProvenanceReport,
} from './attacks/index.js';
export { defences, NO_DEFENCE, type Defence, type FilterContext, type FilterOutcome } from './defences/index.js';
export { trainSurrogate, sampleOutputs, RESNET_CELL, type SurrogateSpec, type TrainedSurrogate, type SampleOutputs } from './train/surrogate.js';
export type { ModelCache } from './train/model-cache.js';
export { Registry, type Plugin } from './plugins/registry.js';
export { settingsSchema, SettingsError, isSettingsError, type SettingsIssue, type SettingsSchema } from './plugins/settings.js';

export { datasetContentHash, type DatasetPair, type ImageDataset } from './data/types.js';
export { genotypeFromString, genotypeToString, sampleNonDegenerateGenotype, type Nb201Genotype } from './space/index.js';
export { Rng, deriveSeed } from './engine/rng.js';

export type { Tier, TierData } from './run/tiers.js';
export type { RunConfig } from './run/config.js';
