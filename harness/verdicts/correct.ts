/**
 * Benjamini–Hochberg over a family of hypotheses, each with its effect and margin tests: the effect
 * tests form one family and the margin tests another (their nulls exclude each other, so pooling
 * them would count every hypothesis twice); in each, a hypothesis tested twice (ΔImp and accuracy)
 * counts once — in the margin family, once per margin δ.
 */
import type { Comparison } from '../stats/index.js';
import type { HypothesisTests } from './decide.js';
import { qValuesByHypothesis } from './family.js';

/** A member of a family: the key of its hypothesis and its two tests. */
export interface FamilyMemberTests {
  readonly key: string;
  readonly tests: HypothesisTests;
}

const pOf = (c: Comparison | undefined) => (c?.state === 'computed' ? c.p : undefined);
const withQ = <C extends Comparison>(c: C, q: number | undefined): C => (c.state === 'computed' && q !== undefined ? { ...c, q } : c);

/** The members' tests with q-values, in order. */
export function correctFamily(members: readonly FamilyMemberTests[]): HypothesisTests[] {
  const qEffect = qValuesByHypothesis(members.map((m) => ({ key: m.key, p: pOf(m.tests.effect) })));
  // A margin test is about (hypothesis, δ): the same hypothesis at another δ is another test.
  const qBound = qValuesByHypothesis(members.map((m) => ({ key: `${m.key}\u0000${m.tests.margin}`, p: pOf(m.tests.bound) })));
  return members.map((m, i) => {
    const { bound, ...rest } = m.tests;
    return { ...rest, effect: withQ(m.tests.effect, qEffect[i]), ...(bound ? { bound: withQ(bound, qBound[i]) } : {}) };
  });
}
