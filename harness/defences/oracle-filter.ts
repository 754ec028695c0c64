/**
 * The oracle filter: removes exactly the poisoned samples, read from the poison itself. No deployable
 * defence can know them, so it is reported as the upper bound of filtering: the search set it leaves
 * is the clean set minus the poisoned indices (precision = recall = 1).
 */
import { checkKept } from './effectiveness.js';
import type { Defence, FilterOutcome } from './types.js';

/** The oracle filter (`oracle: true`): keeps every sample the poison did not replace. */
export const oracleFilter: Defence = {
  name: 'oracle-filter',
  description: 'oracle: removes exactly the poisoned samples (an upper bound, not a deployable defence)',
  oracle: true,
  params: {},
  filter(suspect, context): FilterOutcome {
    const poisoned = context.poison?.indices ?? new Int32Array(0);
    const drop = new Uint8Array(suspect.n);
    poisoned.forEach((i, k) => {
      // Ascending and in range, as makeArtifact made them for this set: anything else is another set's poison.
      if (i < 0 || i >= suspect.n || (k > 0 && i <= poisoned[k - 1]!)) {
        throw new RangeError(`oracle-filter: the poison's indices (${poisoned.length}) are not ascending indices of the suspect set (n = ${suspect.n})`);
      }
      drop[i] = 1;
    });
    const kept = new Int32Array(suspect.n - poisoned.length);
    for (let i = 0, k = 0; i < suspect.n; i++) if (drop[i] === 0) kept[k++] = i;
    return { kept: checkKept(kept, suspect.n, 'oracle-filter'), diagnostics: { removed: poisoned.length } };
  },
};
