/**
 * Vitest matchers on poisoning matrices. Every call ends in one of three verdicts (see
 * harness/verdicts): harm shown, no harm beyond the margin δ, or inconclusive — and an assertion the
 * verdict does not decide is *underpowered at this tier*: a skip with its reason (MDE, trials that
 * would decide it) in the bench project, a failure under `--strict`, never a pass.
 *
 * - `expect(a).toBeSignificantlyBelow(b)` / `…Above(b)`: passes when the effect is shown; fails
 *   when the trials show there is none of δ or more; otherwise underpowered.
 * - `expect(a).not.toBeSignificantlyBelow(b)`: passes only when the trials show no drop of δ or
 *   more and no significant drop at all; fails when a drop is shown.
 * - `expect(a).toBeNoWorseThan(b, { margin })`: the robustness gate — passes when a
 *   non-inferiority test shows `a` is not worse than `b` by δ or more (worse = the metric's harm
 *   direction); fails when harm is shown and not bounded by δ; otherwise underpowered.
 *
 * Insufficient data (fewer than 2 completed trials in an arm) fails every form: a broken run is not
 * an underpowered one. Each call leaves its verdict in the test's `meta` for the store reporter.
 */
import { expect, TestRunner } from 'vitest';
import type { Alternative } from '../stats/index.js';
import { CLEAN } from '../attacks/index.js';
import { NO_DEFENCE } from '../defences/index.js';
import {
  MAX_TRIALS_NEEDED,
  UNDERPOWERED_NOTE,
  correctFamily,
  decide,
  familySize,
  harmDirection,
  hypothesisTests,
  sequentialTests,
  type Decision,
  type HypothesisTests,
  type MatcherVerdict,
} from '../verdicts/index.js';
import { MetricSample } from './matrix.js';
import { metricUnit } from './metrics.js';

interface MatcherContext {
  isNot: boolean;
  utils: { matcherHint(name: string, received?: string, expected?: string, options?: { isNot?: boolean }): string };
}

/** What an undecided (underpowered) assertion does: skip the test with its reason, or fail it (`--strict`). */
export type UnderpoweredMode = 'skip' | 'fail';

let underpoweredMode: UnderpoweredMode = 'fail';

/** The mode {@link installMatchers} set last: other matchers (metric sensitivity) honour `--strict` through it. */
export function underpoweredModeInForce(): UnderpoweredMode {
  return underpoweredMode;
}

/** A hypothesis assessed for one matcher call. */
export interface Assessment {
  tests: HypothesisTests;
  decision: Decision;
  /** Whether the test is a member of the matrix's declared family (else: family + this one). */
  inFamily: boolean;
  /** Distinct effect hypotheses the q-value was corrected over. */
  familySize: number;
}

/**
 * Assesses `sample` against `reference` in `direction` at `margin`: the matrix's own family member
 * when it is one, else its own two tests corrected over the family plus itself.
 */
export function assess(sample: MetricSample, reference: MetricSample, direction: Alternative, margin: number | null): Assessment {
  const matrix = sample.matrix;
  const member = matrix.member(sample, reference, direction);
  if (member && member.tests.margin === margin) {
    return { tests: member.tests, decision: member.decision, inFamily: true, familySize: matrix.familySize() };
  }
  let own = hypothesisTests(sample.values(), reference.values(), direction, margin, { alpha: matrix.alpha });
  // A defended arm against the control is not the family's hypothesis (that is the undefended arm's).
  const againstControl = reference.attack === CLEAN && sample.attack !== CLEAN && sample.defence === NO_DEFENCE;
  const record = againstControl && direction === harmDirection(sample.metric) ? matrix.sequentialRecord(sample.budget) : undefined;
  if (record) {
    // A sequential arm's harm test is the monitored one: its stagewise-adjusted p, whatever the margin.
    // The margin test only carries the adjusted p when its margin is the monitored one.
    const adjusted = sequentialTests(own, sample.metric, record);
    own = { ...own, effect: adjusted.effect, ...(margin === record.design.margin && adjusted.bound ? { bound: adjusted.bound } : {}) };
  }
  // The same hypothesis as a family member (another margin only) keeps the member's key, so BH counts it once.
  const key = againstControl ? matrix.keyOf({ budget: sample.budget, metric: sample.metric, alternative: direction }) : `${sample.label}\u0000${reference.label}\u0000${direction}`;
  const members = [...matrix.family().map((m) => ({ key: matrix.keyOf(m), tests: m.tests })), { key, tests: own }];
  const tests = correctFamily(members).at(-1)!;
  const planningSd = matrix.planningSd(sample.metric);
  const size = familySize(members.map((m) => ({ key: m.key, p: m.tests.effect.state === 'computed' ? m.tests.effect.p : undefined })));
  return { tests, decision: decide(tests, matrix.alpha, planningSd === undefined ? {} : { planningSd }), inFamily: false, familySize: size };
}

function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined) return '—';
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && Math.abs(x) < 1e-4) return x.toExponential(1);
  return x.toFixed(digits);
}

/** "2 errored trials excluded (first: …)" for the arms compared, or ''. */
function erroredNote(samples: readonly MetricSample[]): string {
  const errored = samples.flatMap((s) => s.matrix.erroredTrials(s.attack, s.budget).map((e) => ({ ...e, arm: s.label })));
  if (errored.length === 0) return '';
  const first = errored[0]!;
  return ` [${errored.length} errored trial${errored.length === 1 ? '' : 's'} excluded; first: ${first.arm} trial #${first.trialIndex}: ${first.error}]`;
}

/** The sentence that states an assessment with its numbers. */
export function describeAssessment(sample: MetricSample, reference: MetricSample, a: Assessment): string {
  return describeTests(sample, reference, a) + erroredNote([sample, reference]);
}

function describeTests(sample: MetricSample, reference: MetricSample, a: Assessment): string {
  const { effect, bound, margin, direction } = a.tests;
  const d = a.decision;
  const unit = metricUnit(sample.metric);
  const word = direction === 'less' ? 'below' : 'above';
  if (effect.state === 'insufficient-data') {
    return `insufficient data: ${effect.reason} (n = ${effect.nA} vs ${effect.nB}); at least 2 completed trials per arm are needed — no verdict either way`;
  }
  const family = `Benjamini–Hochberg over ${a.familySize} hypotheses${a.inFamily ? '' : ', this one added to the matrix family'}`;
  const head =
    `${sample.label} = ${fmt(effect.meanA, 2)}${unit} ± ${fmt(effect.sdA, 2)} (n = ${effect.nA}) vs ${reference.label} = ${fmt(effect.meanB, 2)}${unit} ± ${fmt(effect.sdB, 2)} (n = ${effect.nB}); ` +
    `difference ${effect.diff >= 0 ? '+' : ''}${fmt(effect.diff, 2)}${unit}, Hedges' g = ${fmt(effect.hedgesG, 2)}; ` +
    `${word} the reference: one-sided Welch t(${fmt(effect.df, 1)}) = ${fmt(effect.t, 2)}, p = ${fmt(effect.p, 4)}, q = ${fmt(effect.q ?? effect.p, 4)} (${family})`;
  const boundText =
    bound?.state === 'computed'
      ? `; not ${word} by ${fmt(margin, 2)}${unit} or more (non-inferiority): t = ${fmt(bound.t, 2)}, p = ${fmt(bound.p, 4)}, q = ${fmt(bound.q ?? bound.p, 4)}`
      : margin === null
        ? '; no margin δ declared for this metric (tier `margins` or the spec\'s), so "no effect" cannot be shown'
        : '';
  const verdict =
    d.verdict === 'harm-shown'
      ? `verdict: significantly ${word} at α = ${effect.alpha}${d.withinMargin ? `, and by less than ${fmt(margin, 2)}${unit}` : ''}`
      : d.verdict === 'no-harm-beyond-margin'
        ? `verdict: not ${word} by ${fmt(margin, 2)}${unit} or more (shown at α = ${effect.alpha})`
        : `verdict: inconclusive — only a shift of at least ${fmt(d.mde, 2)}${unit} was detectable with 80% power at this n (α before the family correction)` +
          (d.trialsNeeded !== null
            ? `; about ${d.trialsNeeded} trials per arm would decide it${margin !== null ? ` at δ = ${fmt(margin, 2)}${unit}` : ' (for the observed shift)'} (sd ${fmt(d.planningSd, 2)}${unit}, ${d.planningSdSource === 'calibration' ? "the tier's calibrated seed noise" : 'observed'})`
            : margin === null
              ? ''
              : `; more than ${MAX_TRIALS_NEEDED.toLocaleString('en')} trials per arm would be needed`);
  return `${head}${boundText}. ${verdict}`;
}

function assertSamples(received: unknown, expected: unknown, name: string): asserts received is MetricSample {
  if (!(received instanceof MetricSample) || !(expected instanceof MetricSample)) {
    throw new TypeError(`${name} compares two matrix metrics, e.g. expect(m.cell(0.5).deltaImprovement).${name}(m.control.deltaImprovement)`);
  }
  if (received.matrix !== expected.matrix) throw new TypeError(`${name}: both metrics must come from the same poisoning matrix`);
  if (received.metric !== expected.metric) throw new TypeError(`${name}: comparing ${received.metric} with ${expected.metric}; compare a metric with itself across arms`);
}

/** What the assertion claims: an effect, no effect, or no effect of δ or more. */
type Claim = 'effect' | 'no-effect' | 'within-margin';
type Outcome = 'pass' | 'fail' | 'underpowered' | 'insufficient';

function outcomeOf(claim: Claim, d: Decision): Outcome {
  if (d.verdict === 'insufficient-data') return 'insufficient';
  switch (claim) {
    case 'effect':
      return d.effectShown ? 'pass' : d.withinMargin ? 'fail' : 'underpowered';
    case 'no-effect':
      return d.effectShown ? 'fail' : d.withinMargin ? 'pass' : 'underpowered';
    case 'within-margin':
      return d.withinMargin ? 'pass' : d.effectShown ? 'fail' : 'underpowered';
  }
}

/** Records the verdict in the running test's meta (read by the store reporter). */
function recordVerdict(verdict: MatcherVerdict): void {
  const test = TestRunner.getCurrentTest();
  if (!test) return;
  const meta = (test.meta.naspoison ??= { verdicts: [] });
  meta.verdicts.push(verdict);
}

function matcherVerdict(matcher: string, isNot: boolean, sample: MetricSample, reference: MetricSample, a: Assessment, outcome: Outcome): MatcherVerdict {
  const { effect, bound, margin } = a.tests;
  const computed = effect.state === 'computed' ? effect : undefined;
  const boundComputed = bound?.state === 'computed' ? bound : undefined;
  return {
    matcher,
    isNot,
    sample: sample.label,
    reference: reference.label,
    metric: sample.metric,
    verdict: a.decision.verdict,
    decided: outcome === 'pass' || outcome === 'fail',
    margin,
    p: computed?.p ?? null,
    q: computed?.q ?? null,
    marginP: boundComputed?.p ?? null,
    marginQ: boundComputed?.q ?? null,
    mde: a.decision.mde,
    trialsNeeded: a.decision.trialsNeeded,
    nA: effect.nA,
    nB: effect.nB,
    text: describeAssessment(sample, reference, a),
  };
}

/**
 * The shared body of every matcher: assess, decide the claim, record it, and return vitest's
 * `{ pass, message }` — or skip the test when the claim is undecided and the mode says so.
 */
function settle(ctx: MatcherContext, name: string, claim: Claim, sample: MetricSample, reference: MetricSample, a: Assessment) {
  const outcome = outcomeOf(claim, a.decision);
  const isNot = ctx.isNot === true; // vitest leaves it undefined on a plain call
  recordVerdict(matcherVerdict(name, isNot, sample, reference, a, outcome));
  const text = describeAssessment(sample, reference, a);
  const underpowered = `${UNDERPOWERED_NOTE}: ${text}`;
  if (outcome === 'underpowered' && underpoweredMode === 'skip') {
    // A skip with its reason: vitest's own way to say "not decided" (never a pass).
    TestRunner.getCurrentTest()?.context.skip(underpowered);
  }
  const strictNote = outcome === 'underpowered' ? ' — counted as a failure (--strict / underpowered mode "fail")' : '';
  // Pass means "the claim held"; vitest inverts `pass` for `.not`, so hand it the inverse there.
  const held = outcome === 'pass';
  return {
    pass: isNot ? !held : held,
    message: () =>
      `${ctx.utils.matcherHint(name, sample.label, reference.label, { isNot })}\n\n${outcome === 'underpowered' ? underpowered + strictNote : text}\n\n` +
      `per-trial values: ${sample.values().map((x) => fmt(x, 2)).join(', ')} vs ${reference.values().map((x) => fmt(x, 2)).join(', ')}`,
  };
}

function significanceMatcher(name: 'toBeSignificantlyBelow' | 'toBeSignificantlyAbove', direction: Alternative) {
  return function (this: MatcherContext, received: unknown, expected: unknown) {
    assertSamples(received, expected, name);
    const reference = expected as MetricSample;
    const a = assess(received, reference, direction, received.matrix.marginFor(received.metric));
    return settle(this, name, this.isNot === true ? 'no-effect' : 'effect', received, reference, a);
  };
}

/** Options of `toBeNoWorseThan`. */
export interface NoWorseThanOptions {
  /** δ in the metric's unit (pp for accuracy/ΔImp); default: the matrix's margin for the metric. */
  margin?: number;
}

function noWorseThan(this: MatcherContext, received: unknown, expected: unknown, options: NoWorseThanOptions = {}) {
  const name = 'toBeNoWorseThan';
  assertSamples(received, expected, name);
  if (this.isNot) throw new TypeError(`${name} cannot be negated; to assert harm use toBeSignificantlyBelow / toBeSignificantlyAbove`);
  const margin = options.margin ?? received.matrix.marginFor(received.metric);
  if (margin === null) {
    throw new TypeError(`${name}: no margin for ${received.metric}; pass { margin } or declare margins in the tier or in poisoningMatrix({ margins })`);
  }
  if (!(Number.isFinite(margin) && margin > 0)) throw new TypeError(`${name}: margin must be a number > 0, got ${margin}`);
  const reference = expected as MetricSample;
  const a = assess(received, reference, harmDirection(received.metric), margin);
  return settle(this, name, 'within-margin', received, reference, a);
}

/**
 * Installs the matchers. `underpowered: 'skip'` (the bench project's setup) turns an undecided
 * assertion into a skipped test with its reason; `'fail'` (the default, and `--strict`) fails it.
 */
export function installMatchers(options: { underpowered?: UnderpoweredMode } = {}): void {
  underpoweredMode = options.underpowered ?? 'fail';
  expect.extend({
    toBeSignificantlyBelow: significanceMatcher('toBeSignificantlyBelow', 'less'),
    toBeSignificantlyAbove: significanceMatcher('toBeSignificantlyAbove', 'greater'),
    toBeNoWorseThan: noWorseThan,
  });
}
