/**
 * The bridge between harness/verdicts' decision rule and the results JSON: stats comparisons in
 * their JSON form (infinite t and g as strings) and back, and the verdict of a stored comparison
 * recomputed from its stored tests — the builder and the validator call the same `decide`, so the
 * report has no decision rule of its own.
 *
 * @module
 */

import type { Comparison } from '../stats/index.js';
import { decide, type Decision, type HypothesisTests } from '../verdicts/index.js';
import type { ComparisonResult, JsonNumber, ResultsComparison } from './types.js';

function jsonNumber(x: number): JsonNumber {
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return x;
}

function fromJsonNumber(x: JsonNumber): number {
  return x === 'Infinity' ? Infinity : x === '-Infinity' ? -Infinity : x;
}

/** The JSON form of a harness/stats comparison that went through BH (infinite t and g as strings). */
export function toResultsComparison(c: Comparison): ResultsComparison {
  if (c.state === 'insufficient-data') return { ...c };
  if (c.q === undefined) throw new Error('toResultsComparison: the comparison has no q; apply Benjamini–Hochberg first');
  return { ...c, t: jsonNumber(c.t), hedgesG: jsonNumber(c.hedgesG), q: c.q };
}

/** The harness/stats comparison of a stored one (inverse of {@link toResultsComparison}). */
export function fromResultsComparison(c: ResultsComparison): Comparison {
  if (c.state === 'insufficient-data') return { ...c };
  return { ...c, t: fromJsonNumber(c.t), hedgesG: fromJsonNumber(c.hedgesG) };
}

/** The hypothesis tests a stored comparison holds (with their stored q-values). */
export function storedTests(c: Pick<ComparisonResult, 'alternative' | 'comparison' | 'bound' | 'margin'>): HypothesisTests {
  return {
    direction: c.alternative,
    effect: fromResultsComparison(c.comparison),
    ...(c.bound !== undefined ? { bound: fromResultsComparison(c.bound) } : {}),
    margin: c.margin,
  };
}

/**
 * `decide` applied to a stored comparison: its stored tests and q-values, α and power of the run,
 * and its planning sd when that came from the tier's calibration (an observed one is recomputed).
 */
export function storedDecision(
  c: Pick<ComparisonResult, 'alternative' | 'comparison' | 'bound' | 'margin' | 'planningSd' | 'planningSdSource'>,
  alpha: number,
  power: number,
): Decision {
  const calibrated = c.planningSdSource === 'calibration' && c.planningSd !== null ? { planningSd: c.planningSd } : {};
  return decide(storedTests(c), alpha, { power, ...calibrated });
}

