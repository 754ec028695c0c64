/**
 * Public entry of harness/store: the SQLite store of trial results (with runs and a
 * content-addressed cache), environment fingerprints and code versions, trial keys, the
 * merge of sharded stores, and leases (claims on work in flight, shared by processes on one store).
 *
 * @module
 */

export type { CacheEntry, EnvironmentFingerprint, RunRecord, RunStart, TrialIdentity, TrialRecord } from './types.js';
export { StoreError, type StoreErrorCode } from './errors.js';
export { openStore, type OpenStoreOptions, type PutCachedOptions, type TrialFilter, type TrialStore } from './store.js';
export type { IntegrityCheck } from './open.js';
export { APPLICATION_ID, SCHEMA_VERSION, STORE_FORMAT } from './schema.js';
export { canonicalJson } from '../util/canonical-json.js';
export { pickIdentity, trialKey, TRIAL_KEY_VERSION } from './trial-key.js';
export {
  codeVersion,
  describeEnvironmentDifference,
  environmentFingerprint,
  sameEnvironment,
  type CodeVersionOptions,
  type EnvironmentField,
} from './fingerprint.js';
export { recordRunStart, runProcess, runState, RUN_PROCESS_NAMESPACE, type RunState } from './run-state.js';
export { mergeStores, TRIAL_RESULT_FIELDS, type MergeConflict, type MergeCounts, type MergeReport } from './merge.js';
export { DEFAULT_HEARTBEAT_MS, DEFAULT_LEASE_TTL_MS, LeaseHeartbeat, LeaseStore, leaseBlocks, leaseOwner, openLeases, processAlive, type HeartbeatOptions, type LeaseClaim, type LeaseOwner, type LeaseRecord } from './leases.js';
