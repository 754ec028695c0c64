/**
 * What a defence did: the checks every defence's output passes ({@link checkKept}), the set the
 * NAS method then searches on ({@link filteredTrainingSet}), and how many of the removed samples
 * were poisons ({@link defenceEffectiveness}).
 */
import type { PoisonArtifact } from '../attacks/types.js';
import { takeIndices } from '../data/split.js';
import type { ImageDataset } from '../data/types.js';

/** How well a defence's removals match the poison. */
export interface DefenceEffectiveness {
  /** Samples kept. */
  kept: number;
  /** Samples removed (n − kept). */
  removed: number;
  /** Removed samples that were poisons. */
  poisonsRemoved: number;
  /** Poisons in the suspect set (0 on a clean set). */
  poisonsTotal: number;
  /** poisonsRemoved / removed: the share of removals that hit a poison; null when nothing was removed. */
  precision: number | null;
  /** poisonsRemoved / poisonsTotal: the share of poisons removed; null without a poison. */
  recall: number | null;
}

/** Throws unless `indices` are integers in [0, n), strictly ascending; `what` names them in the message. */
function checkAscending(indices: Int32Array, n: number, what: string): void {
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (i < 0 || i >= n) throw new RangeError(`${what}: index ${i} at position ${k} is outside the suspect set [0, ${n})`);
    if (k > 0 && i <= indices[k - 1]!) throw new RangeError(`${what}: indices must be strictly ascending, but ${i} at position ${k} follows ${indices[k - 1]!}`);
  }
}

/**
 * Checks a defence's `kept`: indices into a suspect set of `n` samples, strictly ascending, and at
 * least one (a defence may not remove everything: there would be nothing to search on).
 *
 * @throws RangeError naming the defence and the first offending index
 */
export function checkKept(kept: Int32Array, n: number, defenceName: string): Int32Array {
  const what = `defence "${defenceName}" kept indices`;
  if (kept.length === 0) throw new RangeError(`defence "${defenceName}" kept none of the ${n} samples; a defence may not remove everything`);
  checkAscending(kept, n, what);
  return kept;
}

/**
 * Counts the removals of a defence that kept `kept` (strictly ascending indices of a suspect set of
 * `n` samples) and how many of them were the poison's samples (`poison` null: a clean set).
 *
 * @throws RangeError on indices out of [0, n) or not strictly ascending, in `kept` or the poison
 */
export function defenceEffectiveness(kept: Int32Array, n: number, poison: PoisonArtifact | null): DefenceEffectiveness {
  checkAscending(kept, n, 'kept indices');
  const poisoned = poison?.indices ?? new Int32Array(0);
  checkAscending(poisoned, n, `poison of ${poison?.attack ?? '(none)'}`);
  // Both lists are ascending: one merge walk counts the poisons that were kept.
  let poisonsKept = 0;
  for (let a = 0, b = 0; a < kept.length && b < poisoned.length; ) {
    if (kept[a]! < poisoned[b]!) a++;
    else if (kept[a]! > poisoned[b]!) b++;
    else {
      poisonsKept++;
      a++;
      b++;
    }
  }
  const removed = n - kept.length;
  const poisonsTotal = poisoned.length;
  const poisonsRemoved = poisonsTotal - poisonsKept;
  return {
    kept: kept.length,
    removed,
    poisonsRemoved,
    poisonsTotal,
    precision: removed === 0 ? null : poisonsRemoved / removed,
    recall: poison === null || poisonsTotal === 0 ? null : poisonsRemoved / poisonsTotal,
  };
}

/**
 * The set a NAS method searches on: the suspect samples at `kept`, in their order, named after the
 * defence that chose them (`defenceName`, default "filtered") and how many it kept.
 *
 * @throws RangeError as {@link checkKept} does
 */
export function filteredTrainingSet(suspect: ImageDataset, kept: Int32Array, defenceName = 'filtered'): ImageDataset {
  checkKept(kept, suspect.n, defenceName);
  const note = `${defenceName} kept ${kept.length} of ${suspect.n}`;
  return takeIndices(suspect, kept, { name: `${suspect.name}|${defenceName}:${kept.length}/${suspect.n}`, source: `${suspect.source} | ${note}` });
}
