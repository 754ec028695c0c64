/**
 * The training-free metrics a sensitivity table can name (harness/proxies), found by name with an
 * error that names an unknown one and the known ones.
 */
import { TRAINING_FREE_METRIC_NAMES, trainingFreeMetrics, type TrainingFreeMetric, type TrainingFreeMetricName } from '../proxies/index.js';

/** Every metric name, in the protocol table's order (label-using first). */
export { TRAINING_FREE_METRIC_NAMES };

function isMetricName(name: unknown): name is TrainingFreeMetricName {
  return typeof name === 'string' && (TRAINING_FREE_METRIC_NAMES as readonly string[]).includes(name);
}

/** The metric of that name; throws naming `where`, the name and the known ones. */
export function trainingFreeMetric(name: unknown, where: string): TrainingFreeMetric {
  if (!isMetricName(name)) throw new RangeError(`${where}: unknown training-free metric ${JSON.stringify(name)}; known: ${TRAINING_FREE_METRIC_NAMES.join(', ')}`);
  return trainingFreeMetrics[name];
}
