/** The spec-file API: matrices, metric samples, matchers. */
export { poisoningMatrix, PoisoningMatrix, MetricSample, ArmView, type PoisoningMatrixOptions, type FamilyMember } from './matrix.js';
export { installMatchers, assess, describeAssessment, type Assessment, type NoWorseThanOptions, type UnderpoweredMode } from './matchers.js';
export { CORE_METRICS, HARM_DIRECTION, harmDirection } from './metrics.js';
export { metricSensitivity, MetricSensitivity, SensitivityMetric, bandDecision, cellsToDecide, float64Bits, TRAINING_FREE_METRIC_NAMES, type BandOutcome, type MetricSensitivityOptions } from './sensitivity.js';
