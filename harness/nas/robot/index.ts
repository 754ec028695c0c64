/**
 * The RoBoT plugin (He et al., ICLR 2024) on NAS-Bench-201: Bayesian optimisation of a linear
 * combination of six training-free metrics over a pool of random cells, each BO step scored by the
 * validation accuracy of its top cell after brief training; a hybrid of training-free scoring and
 * training-based queries. See search.ts for the algorithm and settings.ts for the study's settings.
 */
import { fisherMetric, gradNormMetric, graspMetric, jacovMetric, snipMetric, synflowMetric } from '../../proxies/index.js';
import type { NasAlgorithm, SearchContext, SearchOutcome } from '../types.js';
import type { RobotMetric } from './scoring.js';
import { queryCell } from './query.js';
import { robotSearchWith } from './search.js';
import { robotDeviations, robotSearchCost, robotSettings, type RobotSettings } from './settings.js';

/** The six metrics of harness/proxies, in the order of RoBoT's weight vector. */
export const ROBOT_METRIC_SET: readonly RobotMetric[] = [gradNormMetric, snipMetric, graspMetric, fisherMetric, synflowMetric, jacovMetric];

/** Runs RoBoT with the harness's metrics and brief-training queries. */
export function robotSearch(context: SearchContext<RobotSettings>): Promise<SearchOutcome> {
  return robotSearchWith(context, { metrics: ROBOT_METRIC_SET, query: queryCell });
}

export const robot: NasAlgorithm<RobotSettings> = {
  name: 'robot',
  description:
    'RoBoT: Bayesian optimisation (GP-UCB) of the weights of six min-max-normalised training-free metrics over a pool of random cells; each step trains its top cell briefly on the (possibly poisoned) search set and scores it on a validation split, then greedy queries down the best weights’ ranking; hybrid',
  family: 'hybrid',
  settings: robotSettings,
  search: robotSearch,
  deviations: robotDeviations,
  searchCost: robotSearchCost,
};

export { ROBOT_DEFAULTS, ROBOT_PUBLISHED, ROBOT_SCHEMA, robotSettings, robotDeviations, robotSearchCost, type RobotSettings, type RobotTierSettings } from './settings.js';
export { robotSearchWith, type RobotDependencies } from './search.js';
