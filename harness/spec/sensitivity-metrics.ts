/**
 * The training-free metrics a sensitivity table can name, found by name (harness/proxies), with an
 * error that names an unknown one and the known ones.
 */
import { fisherMetric } from '../proxies/fisher.js';
import { gradNormMetric } from '../proxies/grad-norm.js';
import { graspMetric } from '../proxies/grasp.js';
import { linearRegionsMetric } from '../proxies/linear-regions.js';
import { ntkMetric } from '../proxies/ntk.js';
import { snipMetric } from '../proxies/snip.js';
import type { TrainingFreeMetric, TrainingFreeMetricName } from '../proxies/types.js';

const BUILT_IN: readonly TrainingFreeMetric[] = [gradNormMetric, snipMetric, graspMetric, fisherMetric, ntkMetric, linearRegionsMetric];

/** Every metric name, label-using ones first (the study's Table 2 order). */
export const TRAINING_FREE_METRIC_NAMES: readonly TrainingFreeMetricName[] = BUILT_IN.map((m) => m.name);

/** The metric of that name; throws naming `where`, the name and the known ones. */
export function trainingFreeMetric(name: unknown, where: string): TrainingFreeMetric {
  const metric = BUILT_IN.find((m) => m.name === name);
  if (!metric) throw new RangeError(`${where}: unknown training-free metric ${JSON.stringify(name)}; known: ${TRAINING_FREE_METRIC_NAMES.join(', ')}`);
  return metric;
}
