/**
 * Trial keys: the content address of a trial. Two trials with equal keys are the same
 * computation (same identity, same effective parameters, same clean data, same backend), so a
 * stored result can stand in for running it again.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../util/canonical-json.js';
import type { TrialIdentity } from './types.js';

/** Version of the key derivation; bumping it gives every trial a new key. */
export const TRIAL_KEY_VERSION = 1;

/** The identity fields of `identity` only (a whole TrialRecord may be passed). */
export function pickIdentity(identity: TrialIdentity): TrialIdentity {
  return {
    matrix: identity.matrix,
    nas: identity.nas,
    attack: identity.attack,
    budget: identity.budget,
    defence: identity.defence,
    trialIndex: identity.trialIndex,
    tier: identity.tier,
  };
}

/**
 * sha256 (lowercase hex) of the canonical JSON of `{ v, identity, params, datasetHash, backend }`:
 * keys sorted at every depth, undefined properties dropped, so property order never matters.
 *
 * @param identity the trial's identity (extra properties are ignored)
 * @param effectiveParams every effective parameter of the trial (tier settings, recipes, attack and NAS settings…)
 * @param datasetHash content hash of the clean dataset
 * @param backend TF.js backend name
 * @throws TypeError when an identity field is malformed or a parameter has no faithful JSON form
 */
export function trialKey(
  identity: TrialIdentity,
  effectiveParams: Readonly<Record<string, unknown>>,
  datasetHash: string,
  backend: string,
): string {
  const picked = pickIdentity(identity);
  for (const field of ['matrix', 'nas', 'attack', 'defence', 'tier'] as const) {
    if (typeof picked[field] !== 'string' || picked[field].length === 0) throw new TypeError(`trialKey: identity.${field} must be a non-empty string`);
  }
  if (typeof picked.budget !== 'number' || !(picked.budget >= 0 && picked.budget < 1)) {
    throw new TypeError(`trialKey: identity.budget must be in [0, 1), got ${String(picked.budget)}`);
  }
  if (!Number.isSafeInteger(picked.trialIndex) || picked.trialIndex < 0) {
    throw new TypeError(`trialKey: identity.trialIndex must be a non-negative integer, got ${String(picked.trialIndex)}`);
  }
  if (typeof datasetHash !== 'string' || datasetHash.length === 0) throw new TypeError('trialKey: datasetHash must be a non-empty string');
  if (typeof backend !== 'string' || backend.length === 0) throw new TypeError('trialKey: backend must be a non-empty string');
  const text = canonicalJson({ v: TRIAL_KEY_VERSION, identity: picked, params: effectiveParams, datasetHash, backend });
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
