/** The trained-model cache of harness/train backed by the store's content-addressed cache table. */
import type { TrialStore } from '../store/index.js';
import type { ModelCache } from '../train/model-cache.js';

const NAMESPACE = 'trained-model.v1';

/** A {@link ModelCache} over an open store. */
export function modelCacheOf(store: TrialStore): ModelCache {
  return {
    get: (key) => store.getCached(NAMESPACE, key),
    put: (key, value, meta) => store.putCached(NAMESPACE, key, value, { ...meta }),
  };
}
