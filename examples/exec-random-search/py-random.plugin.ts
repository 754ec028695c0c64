/**
 * The plugin module of `py-random`, the Python random search of search.py in this folder, run
 * through naspoison's exec adapter (harness/nas/exec). `naspoison run` imports every
 * `*.plugin.ts` beside a spec file it runs — in the CLI, the spec processes and each trial worker —
 * so the method is known everywhere. The tier's `nas["py-random"]` block, when there is one, is
 * checked against settings.schema.json and replaces the defaults below key by key.
 */
import { fileURLToPath } from 'node:url';
import { execNasAlgorithm, nasAlgorithms, type JsonObject, type NasAlgorithm } from 'naspoison';

/** The script's absolute path, so that the plugin works from any working directory. */
export const PY_RANDOM_SCRIPT = fileURLToPath(new URL('./search.py', import.meta.url));

/** The settings search.py uses when the tier gives none (search.py documents each). */
export const PY_RANDOM_DEFAULTS: JsonObject = { candidates: 16, images: 96, resolution: 8, fitFraction: 0.5, scorePanel: true };

export const pyRandom = execNasAlgorithm({
  name: 'py-random',
  description: 'random search in plain Python (exec adapter): seeded cells scored by a nearest-class-mean proxy on random-weight cell features; reads labels, trains nothing',
  // It reads the labels but trains nothing: a cheap score of architectures.
  family: 'training-free',
  command: ['python3', PY_RANDOM_SCRIPT],
  defaults: PY_RANDOM_DEFAULTS,
  schema: new URL('./settings.schema.json', import.meta.url),
  // About a second per search; a minute means something is wrong.
  timeoutMs: 60_000,
  // Shard balancing: no training, so next to one retraining it costs nothing.
  searchCost: () => 0,
});

nasAlgorithms.register(pyRandom as NasAlgorithm<unknown>);
