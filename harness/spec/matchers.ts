/**
 * Vitest matchers on poisoning matrices: `expect(a).toBeSignificantlyBelow(b)` and
 * `toBeSignificantlyAbove`, decided by one-sided Welch tests with Benjamini–Hochberg q-values over
 * the matrix's hypothesis family. Messages give p, q, the means, n and — for a "no significant
 * effect" verdict — the smallest effect the trials could have detected (power 0.8), so a gate that
 * passes on n = 3 is not read as proof of robustness. Too few trials never pass, negated or not.
 */
import { relative } from 'node:path';
import { expect } from 'vitest';
import { applyBenjaminiHochberg, welchOneSided, type Alternative, type Comparison } from '../stats/index.js';
import { isSignificant } from '../verdicts/index.js';
import { MetricSample } from './matrix.js';
import { metricUnit } from './metrics.js';

interface MatcherContext {
  isNot: boolean;
  currentTestName?: string;
  testPath?: string;
  utils: { matcherHint(name: string, received?: string, expected?: string, options?: { isNot?: boolean }): string };
}

export interface SignificanceVerdict {
  comparison: Comparison;
  /** Whether the q-value comes from the matrix's declared family (else: family + this test). */
  inFamily: boolean;
  significant: boolean;
  familySize: number;
}

function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && Math.abs(x) < 1e-4) return x.toExponential(1);
  return x.toFixed(digits);
}

/** Tests `sample` against `reference` in direction `alternative`, with the right BH family. */
export function significance(sample: MetricSample, reference: MetricSample, alternative: Alternative): SignificanceVerdict {
  const matrix = sample.matrix;
  const member = matrix.member(sample, reference, alternative);
  if (member) {
    const c = member.comparison;
    return { comparison: c, inFamily: true, significant: isSignificant(c, matrix.alpha), familySize: matrix.familySize() };
  }
  // Outside the declared family (another direction, or two poisoned arms): adjust over family + it.
  const own = welchOneSided(sample.values(), reference.values(), alternative, { alpha: matrix.alpha });
  const all = applyBenjaminiHochberg([...matrix.hypotheses(), own]);
  const c = all[all.length - 1]!;
  return { comparison: c, inFamily: false, significant: isSignificant(c, matrix.alpha), familySize: all.filter((x) => x.state === 'computed').length };
}

/** "2 errored trials excluded (first: …)" for the arms compared, or ''. */
function erroredNote(samples: readonly MetricSample[]): string {
  const errored = samples.flatMap((s) => s.matrix.erroredTrials(s.attack, s.budget).map((e) => ({ ...e, arm: s.label })));
  if (errored.length === 0) return '';
  const first = errored[0]!;
  return ` [${errored.length} errored trial${errored.length === 1 ? '' : 's'} excluded; first: ${first.arm} trial #${first.trialIndex}: ${first.error}]`;
}

/** The sentence that states a verdict with its numbers. */
export function describeVerdict(sample: MetricSample, reference: MetricSample, alternative: Alternative, v: SignificanceVerdict): string {
  return describeComparison(sample, reference, alternative, v) + erroredNote([sample, reference]);
}

function describeComparison(sample: MetricSample, reference: MetricSample, alternative: Alternative, v: SignificanceVerdict): string {
  const c = v.comparison;
  const unit = metricUnit(sample.metric);
  const direction = alternative === 'less' ? 'below' : 'above';
  if (c.state === 'insufficient-data') {
    return `insufficient data: ${c.reason} (n = ${c.nA} vs ${c.nB}); at least 2 completed trials per arm are needed — no verdict either way`;
  }
  const head = `${sample.label} = ${fmt(c.meanA, 2)}${unit} ± ${fmt(c.sdA, 2)} (n = ${c.nA}) vs ${reference.label} = ${fmt(c.meanB, 2)}${unit} ± ${fmt(c.sdB, 2)} (n = ${c.nB}); difference ${c.diff >= 0 ? '+' : ''}${fmt(c.diff, 2)}${unit}, one-sided Welch t(${fmt(c.df, 1)}) = ${fmt(c.t, 2)}, p = ${fmt(c.p, 4)}, q = ${fmt(c.q ?? c.p, 4)} (Benjamini–Hochberg over ${v.familySize} hypotheses${v.inFamily ? '' : ', this one added to the matrix family'}), Hedges' g = ${fmt(c.hedgesG, 2)}`;
  if (v.significant) return `${head}: significantly ${direction} at α = ${c.alpha}`;
  return `${head}: NOT significantly ${direction} at α = ${c.alpha}. Weak evidence: with these n and spreads, only a shift of at least ${fmt(c.mde, 2)}${unit} would have been detected with 80% power (at α before the family correction; larger after it)`;
}

function assertSamples(received: unknown, expected: unknown, name: string): asserts received is MetricSample {
  if (!(received instanceof MetricSample) || !(expected instanceof MetricSample)) {
    throw new TypeError(`${name} compares two matrix metrics, e.g. expect(m.cell(0.5).deltaImprovement).${name}(m.control.deltaImprovement)`);
  }
  if (received.matrix !== expected.matrix) throw new TypeError(`${name}: both metrics must come from the same poisoning matrix`);
  if (received.metric !== expected.metric) throw new TypeError(`${name}: comparing ${received.metric} with ${expected.metric}; compare a metric with itself across arms`);
}

function makeMatcher(name: 'toBeSignificantlyBelow' | 'toBeSignificantlyAbove', alternative: Alternative) {
  return function (this: MatcherContext, received: unknown, expected: unknown) {
    assertSamples(received, expected, name);
    const reference = expected as MetricSample;
    const verdict = significance(received, reference, alternative);
    const text = describeVerdict(received, reference, alternative, verdict);
    // Insufficient data fails both the matcher and its negation: never a silent pass.
    const pass = verdict.comparison.state === 'insufficient-data' ? this.isNot : verdict.significant;
    const finalPass = this.isNot ? !pass : pass;
    recordAssertion(received, reference, name, this.isNot, {
      name: this.currentTestName ?? name,
      file: this.testPath ? relative(process.cwd(), this.testPath) : '',
      status: finalPass ? 'passed' : 'failed',
      message: `${this.isNot ? 'expected NOT ' : 'expected '}${name.replace('toBe', '').replace(/([A-Z])/g, ' $1').trim().toLowerCase()}: ${text}`,
    });
    return {
      pass,
      message: () => `${this.utils.matcherHint(name, received.label, reference.label, { isNot: this.isNot })}\n\n${text}\n\nper-trial values: ${received.values().map((x) => fmt(x, 2)).join(', ')} vs ${reference.values().map((x) => fmt(x, 2)).join(', ')}`,
    };
  };
}

function recordAssertion(
  sample: MetricSample,
  reference: MetricSample,
  matcher: string,
  isNot: boolean,
  a: { name: string; file: string; status: 'passed' | 'failed'; message: string },
): void {
  const context = sample.matrix.runContext();
  if (!context) return;
  const key = [context.runId, a.file, a.name, matcher, isNot ? 'not' : '', sample.label, reference.label].join('\u0000');
  context.store.putCached('run-assertion.v1', key, JSON.stringify({ runId: context.runId, ...a }), { runId: context.runId });
}

/** Installs the matchers (the bench project's setup file calls this). */
export function installMatchers(): void {
  expect.extend({
    toBeSignificantlyBelow: makeMatcher('toBeSignificantlyBelow', 'less'),
    toBeSignificantlyAbove: makeMatcher('toBeSignificantlyAbove', 'greater'),
  });
}

