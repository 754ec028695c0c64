/** The public entry: the record, the names and computeMetrics against the single metrics. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../engine/backend.js';
import { TRAINING_FREE_METRIC_NAMES, computeMetrics, gradNorm, linearRegions, synflow, trainingFreeMetrics } from './index.js';
import { buildTestNb201, makeBatch, randomImages, randomLabels } from './test-networks.js';
import type { ProxyBatch, TrainingFreeMetricName } from './types.js';

describe('harness/proxies entry', () => {
  let batch: ProxyBatch & { dispose(): void };
  beforeAll(async () => {
    await initBackend('wasm');
    batch = makeBatch(randomImages(6, 8, 8, 1, 111), [6, 8, 8, 1], randomLabels(6, 4, 112), 4);
  });
  afterAll(() => batch.dispose());

  it('keys every metric by its own name; the label users are exactly the four the protocol names', () => {
    expect([...TRAINING_FREE_METRIC_NAMES]).toEqual(['grad_norm', 'snip', 'grasp', 'fisher', 'synflow', 'jacov', 'ntk', 'linear_regions']);
    for (const name of TRAINING_FREE_METRIC_NAMES) expect(trainingFreeMetrics[name].name).toBe(name);
    expect(TRAINING_FREE_METRIC_NAMES.filter((n) => trainingFreeMetrics[n].usesLabels)).toEqual(['grad_norm', 'snip', 'grasp', 'fisher']);
    expect(TRAINING_FREE_METRIC_NAMES.filter((n) => !trainingFreeMetrics[n].higherIsBetter)).toEqual(['ntk']);
  });

  it('computeMetrics gives the single metrics values and rejects unknown names', async () => {
    const net = buildTestNb201(4, 1, 4, 113);
    const values = await computeMetrics(net, batch, ['grad_norm', 'synflow', 'linear_regions']);
    expect(Object.keys(values)).toEqual(['grad_norm', 'synflow', 'linear_regions']);
    expect(values.grad_norm).toBe(await gradNorm(net, batch));
    expect(values.synflow).toBe(await synflow(net, batch));
    expect(values.linear_regions).toBe(await linearRegions(net, batch));
    await expect(computeMetrics(net, batch, ['zen' as TrainingFreeMetricName])).rejects.toThrow(/unknown metric "zen"/);
    net.dispose();
  });
});
