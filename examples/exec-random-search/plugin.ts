/**
 * Registers `py-random`, the Python random search of search.py in this folder, as a naspoison NAS
 * algorithm through the exec adapter (harness/nas/exec). Import this module from a spec file
 * before `poisoningMatrix({ nas: 'py-random', … })`. The tier's `nas["py-random"]` block, when
 * there is one, overrides the settings below (search.py documents them).
 */
import { fileURLToPath } from 'node:url';
import { nasAlgorithms, type NasAlgorithm } from '../../harness/nas/index.js';
import { execNasAlgorithm } from '../../harness/nas/exec/index.js';

/** The script's absolute path, so that the plugin works from any working directory. */
export const PY_RANDOM_SCRIPT = fileURLToPath(new URL('./search.py', import.meta.url));

export const pyRandom = execNasAlgorithm({
  name: 'py-random',
  description: 'random search in plain Python (exec adapter): 16 seeded cells scored by a nearest-class-mean proxy on random-weight cell features; uses labels',
  // It reads the labels but trains nothing: a cheap score of architectures.
  family: 'training-free',
  command: ['python3', PY_RANDOM_SCRIPT],
  defaults: { candidates: 16, images: 96, resolution: 8, fitFraction: 0.5, scorePanel: true },
  // A few seconds in practice; a minute means something is wrong.
  timeoutMs: 60_000,
});

nasAlgorithms.register(pyRandom as NasAlgorithm<unknown>);
