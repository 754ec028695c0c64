/** The evaluation cache of harness/train backed by the store's content-addressed cache table. */
import { openStore, type TrialStore } from '../store/index.js';
import type { EvaluationCache, GenotypeEvaluation } from '../train/evaluate.js';

const NAMESPACE = 'evaluation.v1';

/** An {@link EvaluationCache} over an open store. */
export function evaluationCacheOf(store: TrialStore): EvaluationCache {
  return {
    get(key) {
      const json = store.getCached(NAMESPACE, key);
      return json === undefined ? undefined : (JSON.parse(json) as GenotypeEvaluation);
    },
    put(key, value) {
      store.putCached(NAMESPACE, key, JSON.stringify({ ...value, cached: false }));
    },
  };
}

/** Opens (or creates) the store at `path` and returns its evaluation cache. */
export function openEvaluationCache(path: string): { cache: EvaluationCache; store: TrialStore; close(): void } {
  const store = openStore(path);
  return { cache: evaluationCacheOf(store), store, close: () => store.close() };
}
