/**
 * The defences section and the attack diagnostics section of the results JSON, both computed from
 * the cells alone (plus which defended cells were oracles, a boolean the cells' numeric diagnostics
 * do not keep), so that the validator can recompute them from a stored results file.
 *
 * - Defences: each defended poisoned cell (nas, attack, budget, d) against its undefended twin
 *   (nas, attack, budget, none) and the clean control (nas, clean, 0, none): precision and recall at
 *   finding the poison, samples removed, the three ΔImp means, the recovered ΔImp (defended −
 *   undefended) with a one-sided Welch test "defended > undefended" (harness/stats), and the share of
 *   the attack's ΔImp gap it closes. The recovery tests form their own Benjamini–Hochberg family:
 *   they are not the run's harm hypotheses, and several defences × budgets would otherwise find a
 *   "recovery" by chance.
 * - Attack diagnostics: per undefended poisoned cell, the means of the poison's own numeric
 *   diagnostics (stored by the trial as `poison.<name>`), grouped by attack.
 *
 * @module
 */

import { applyBenjaminiHochberg, welchOneSided, type Comparison } from '../stats/index.js';
import type { TrialRecord } from '../store/types.js';
import { CLEAN_ATTACK, NO_DEFENCE, cellId } from './cells.js';
import { toResultsComparison } from './decision.js';
import { formatAdaptive, formatBudget, formatCi, formatNumber, formatP, formatPower, formatPp } from './interpret.js';
import type { AttackDiagnosticsRow, AttackDiagnosticsSection, AttackDiagnosticsTable, CellResult, DefenceRow, DefenceSection, RangeSummary } from './types.js';

/** Diagnostic names a defended trial stores (see harness/defences): what the section reads. */
export const DEFENCE_DIAGNOSTICS = {
  precision: 'defencePrecision',
  recall: 'defenceRecall',
  removed: 'defenceRemoved',
  poisonsRemoved: 'defencePoisonsRemoved',
  oracle: 'defenceOracle',
} as const;

/** Prefix of the poison's own diagnostics in a trial's `diagnostics`. */
export const POISON_PREFIX = 'poison.';

/**
 * What each known poison diagnostic means (key without the `poison.` prefix). Keyed by diagnostic,
 * not attack, so an attack's note names whatever it stored.
 */
export const POISON_DIAGNOSTIC_NOTES: Readonly<Record<string, string>> = {
  cosineBefore:
    "cosine before → after = cos(ḡ_c, g_p), the clean batches' mean gradient against the poison's gradient, before and after crafting; gradient cancelling should drive it towards −1",
  objectiveBefore: 'objective before → after = the crafting objective at the start and at the end of the optimisation',
  iterations: 'iterations = optimisation steps taken',
  craftMs: 'craftMs = wall time spent crafting, in ms',
  surrogateAccuracy: 'surrogateAccuracy = test accuracy of the surrogate classifier the poison was crafted against',
  meanL2: 'meanL2 = mean L2 norm of the perturbation per changed sample',
  surrogateTrainAccuracy: 'surrogateTrainAccuracy = training accuracy of the surrogate, in %',
  chosenMeanConfidence: "chosenMeanConfidence = the surrogate's mean confidence on the samples chosen to flip",
  chosenCorrectFraction: 'chosenCorrectFraction = share of the chosen samples the surrogate classified correctly',
  changed: 'changed = training samples the poison changed',
  count: 'count = samples the poison replaces, round(p·n)',
  labelsChanged: 'labelsChanged / imagesChanged = replaced samples whose label / image differs from the clean one',
  maxLinf: 'maxLinf = largest change of any pixel (L∞)',
  imageMaxLinf: 'imageMaxLinf / imageMeanLinf = largest / mean L∞ norm of one image\'s change',
  imageMaxL2: 'imageMaxL2 / imageMeanL2 = largest / mean L2 norm of one image\'s change',
};

/** Keys whose note is written under another key (a pair shares one note). */
const COMPANIONS: Readonly<Record<string, readonly string[]>> = {
  cosineBefore: ['cosineAfter'],
  objectiveBefore: ['objectiveAfter'],
  labelsChanged: ['imagesChanged'],
  imageMaxLinf: ['imageMeanLinf'],
  imageMaxL2: ['imageMeanL2'],
};

/** Ids of the defended cells whose trials say the defence read the poison (`defenceOracle: true`). */
export function oracleCells(trials: readonly TrialRecord[]): Set<string> {
  const out = new Set<string>();
  for (const t of trials) if (t.defence !== NO_DEFENCE && t.diagnostics[DEFENCE_DIAGNOSTICS.oracle] === true) out.add(cellId(t));
  return out;
}

function rangeOf(cell: CellResult, name: string): RangeSummary | null {
  const summary = cell.diagnostics[name];
  if (!summary || summary.mean === null || summary.values.length === 0) return null;
  return { n: summary.values.length, mean: summary.mean, min: Math.min(...summary.values), max: Math.max(...summary.values) };
}

/** Report order of the defences table: NAS, attack, budget, then defence (its arms side by side). */
function byArm(a: CellResult, b: CellResult): number {
  const name = (x: string, y: string) => (x === y ? 0 : x < y ? -1 : 1);
  return name(a.nas, b.nas) || name(a.attack, b.attack) || a.budget - b.budget || name(a.defence, b.defence);
}

function armWords(nA: number, nB: number): string {
  return `n = ${nA} vs ${nB}`;
}

/**
 * One plain-English line for a defence row. A recovery is claimed only when the recovery test
 * rejects (q ≤ α); otherwise the difference is named as a difference, "no recovery shown".
 */
export function interpretRecovery(row: Omit<DefenceRow, 'interpretation'>, alpha: number): string {
  const head = row.oracle ? 'Upper bound (the oracle reads the poison): ' : '';
  const name = row.defence;
  const r = row.recovery;
  if (r === null) {
    return `${head}${name}: the run has no undefended ${row.attack} ${formatBudget(row.budget)} arm of ${row.nas}, so there is nothing to measure a recovery against.`;
  }
  if (r.state === 'insufficient-data') {
    return `${head}${name}: insufficient data for a recovery test (n = ${r.nA} defended, ${r.nB} undefended; Welch's test needs at least 2 per arm): no recovery shown.`;
  }
  const diff = r.diff;
  const stats = `p = ${formatP(r.p)}, q = ${formatP(r.q)}, ${armWords(r.nA, r.nB)}`;
  const lost = row.lost;
  const gap = lost !== null && lost > 0;
  const share = row.shareOfGap === null ? '' : `${formatNumber(row.shareOfGap * 100, 0)} %`;
  if (row.recovered) {
    const ci = `${formatPower(1 - alpha)} CI ${formatCi(r.ciLow, r.ciHigh, 'deltaImprovement')}`;
    return gap
      ? `${head}${name} recovers ${formatAdaptive(diff)} pp of the ${formatAdaptive(lost)} pp lost (${share}; ${ci}; ${stats}).`
      : `${head}${name} raises ΔImp by ${formatAdaptive(diff)} pp over the undefended arm (${ci}; ${stats}), though the undefended arm lost no ΔImp against the clean control${lost === null ? ' (no control in this run)' : ''}.`;
  }
  if (!gap) {
    const why = lost === null ? 'the run has no clean control to measure the loss against' : `the undefended arm lost no ΔImp against the clean control (clean − undefended = ${formatPp(lost)})`;
    return `${head}${name}: ${why}; defended − undefended = ${formatPp(diff)}, not significant (${stats}): no recovery shown.`;
  }
  if (diff <= 0) return `${head}${name} recovers none of the ${formatAdaptive(lost)} pp lost (defended − undefended = ${formatPp(diff)}; ${stats}).`;
  return `${head}${name} is ${formatAdaptive(diff)} pp above the undefended arm (${share} of the ${formatAdaptive(lost)} pp lost), not significant (${stats}): no recovery shown.`;
}

/**
 * The defences section of a run's cells: one row per defended poisoned cell; null when there is
 * none. Recovery tests use the run's α (CI level) and power (MDE) and are BH-corrected among
 * themselves.
 *
 * @param oracles - ids of the defended cells whose defence read the poison ({@link oracleCells}).
 */
export function defenceSection(cells: readonly CellResult[], oracles: ReadonlySet<string>, alpha: number, power: number): DefenceSection | null {
  const defended = cells.filter((c) => c.defence !== NO_DEFENCE && c.attack !== CLEAN_ATTACK).sort(byArm);
  if (defended.length === 0) return null;
  const find = (nas: string, attack: string, budget: number) => cells.find((c) => c.nas === nas && c.attack === attack && c.budget === budget && c.defence === NO_DEFENCE);
  const planned = defended.map((cell) => {
    const undefended = find(cell.nas, cell.attack, cell.budget);
    const control = find(cell.nas, CLEAN_ATTACK, 0);
    const test: Comparison | null = undefended
      ? welchOneSided(cell.deltaImprovement.values, undefended.deltaImprovement.values, 'greater', { alpha, power })
      : null;
    return { cell, undefended, control, test };
  });
  const corrected = applyBenjaminiHochberg(planned.flatMap((p) => (p.test ? [p.test] : [])));
  let k = 0;
  const tested = corrected.filter((c) => c.state === 'computed').length;
  const rows = planned.map(({ cell, undefended, control, test }): DefenceRow => {
    const recovery = test ? toResultsComparison(corrected[k++]!) : null;
    const means = { defended: cell.deltaImprovement.mean, undefended: undefended?.deltaImprovement.mean ?? null, clean: control?.deltaImprovement.mean ?? null };
    const lost = means.clean !== null && means.undefended !== null ? means.clean - means.undefended : null;
    const shareOfGap = lost !== null && lost > 0 && means.defended !== null && means.undefended !== null ? (means.defended - means.undefended) / lost : null;
    const body = {
      cell: cell.id,
      undefended: undefended?.id ?? null,
      control: control?.id ?? null,
      nas: cell.nas,
      attack: cell.attack,
      budget: cell.budget,
      defence: cell.defence,
      oracle: oracles.has(cell.id),
      n: cell.n,
      precision: rangeOf(cell, DEFENCE_DIAGNOSTICS.precision),
      recall: rangeOf(cell, DEFENCE_DIAGNOSTICS.recall),
      removed: rangeOf(cell, DEFENCE_DIAGNOSTICS.removed),
      poisonsRemoved: rangeOf(cell, DEFENCE_DIAGNOSTICS.poisonsRemoved),
      deltaImprovement: means,
      lost,
      recovery,
      shareOfGap,
      recovered: recovery?.state === 'computed' && recovery.q <= alpha,
    };
    return { ...body, interpretation: interpretRecovery(body, alpha) };
  });
  return {
    family:
      tested === 0
        ? 'the recovery tests of this section, of which none had two trials per arm (so none was corrected)'
        : `the ${tested} recovery ${tested === 1 ? 'test' : 'tests'} of this section, corrected among themselves, apart from the harm tests`,
    rows,
  };
}

/** The note of an attack's table: the meaning of each known key it stored; null when none is known. */
export function poisonDiagnosticsNote(keys: readonly string[]): string | null {
  const names = new Set(keys.map((k) => k.slice(POISON_PREFIX.length)));
  const notes = Object.entries(POISON_DIAGNOSTIC_NOTES)
    .filter(([name]) => names.has(name) || (COMPANIONS[name] ?? []).some((other) => names.has(other)))
    .map(([, note]) => note);
  return notes.length === 0 ? null : `${notes.join('; ')}.`;
}

/**
 * The attack diagnostics section: per attack, the undefended poisoned cells that stored numeric
 * `poison.*` diagnostics, with the mean of each over the cell's completed trials; null when none did.
 */
export function attackDiagnosticsSection(cells: readonly CellResult[]): AttackDiagnosticsSection | null {
  const poisoned = cells.filter((c) => c.attack !== CLEAN_ATTACK && c.defence === NO_DEFENCE).sort(byArm);
  const byAttack = new Map<string, CellResult[]>();
  for (const cell of poisoned) {
    if (!Object.keys(cell.diagnostics).some((k) => k.startsWith(POISON_PREFIX))) continue;
    byAttack.set(cell.attack, [...(byAttack.get(cell.attack) ?? []), cell]);
  }
  const attacks = [...byAttack.entries()].map(([attack, group]): AttackDiagnosticsTable => {
    const keys = [...new Set(group.flatMap((c) => Object.keys(c.diagnostics).filter((k) => k.startsWith(POISON_PREFIX))))].sort();
    const rows = group.map(
      (cell): AttackDiagnosticsRow => ({
        cell: cell.id,
        nas: cell.nas,
        budget: cell.budget,
        n: cell.n,
        means: Object.fromEntries(keys.map((k) => [k, cell.diagnostics[k]?.mean ?? null])),
      }),
    );
    return { attack, keys, note: poisonDiagnosticsNote(keys), rows };
  });
  return attacks.length === 0 ? null : { attacks };
}
