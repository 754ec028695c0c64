/** P-DARTS settings: the tier's `nas.pdarts` block (see harness/run/tier.schema.json). */
import type { PdartsTierSettings } from '../../run/tier-types.js';

export type PdartsSettings = PdartsTierSettings;

/** Checks the block that the tier schema already validated, for a plugin user's hand-made one. */
export function pdartsSettings(block: unknown): PdartsSettings {
  if (block === null || typeof block !== 'object') throw new Error('pdarts: the tier has no nas.pdarts settings block');
  const s = block as PdartsSettings;
  if (!Array.isArray(s.stages) || s.stages.length === 0) throw new Error('pdarts: settings.stages must list at least one stage');
  if (s.stages[0]!.opsPerEdge !== 5) throw new Error('pdarts: the first stage must keep all 5 NB201 ops per edge');
  s.stages.forEach((stage, i) => {
    const prev = s.stages[i - 1];
    if (prev && stage.opsPerEdge >= prev.opsPerEdge) throw new Error(`pdarts: stage ${i} keeps ${stage.opsPerEdge} ops per edge; stages must shrink (${prev.opsPerEdge} before)`);
  });
  return s;
}
