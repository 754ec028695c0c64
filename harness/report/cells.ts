/**
 * Cell identity, ordering and labels shared by the builder, the validator, the charts and the
 * leaderboard.
 *
 * @module
 */

import { formatBudget } from './interpret.js';
import type { CellResult } from './types.js';

/** Attack name of the clean control arm. */
export const CLEAN_ATTACK = 'clean';

/** Defence name meaning "no defence". */
export const NO_DEFENCE = 'none';

/** The coordinates that identify a cell. */
export interface CellCoordinates {
  readonly nas: string;
  readonly attack: string;
  readonly budget: number;
  readonly defence: string;
}

/** Identifier of a cell: `nas/attack/budget/defence`, e.g. `pdarts/random-label-flip/0.1/none`. */
export function cellId(cell: CellCoordinates): string {
  return `${cell.nas}/${cell.attack}/${String(cell.budget)}/${cell.defence}`;
}

function byName(a: string, b: string, first: string): number {
  if (a === b) return 0;
  if (a === first) return -1;
  if (b === first) return 1;
  return a < b ? -1 : 1;
}

/** Report order: NAS, then defence (`none` first), then attack (`clean` first), then budget. */
export function compareCells(a: CellCoordinates, b: CellCoordinates): number {
  return (
    byName(a.nas, b.nas, '') ||
    byName(a.defence, b.defence, NO_DEFENCE) ||
    byName(a.attack, b.attack, CLEAN_ATTACK) ||
    a.budget - b.budget
  );
}

/** True for a clean control cell. */
export function isControl(cell: CellCoordinates): boolean {
  return cell.attack === CLEAN_ATTACK;
}

/**
 * The control a cell is tested against: the clean cell of the same NAS with the same defence when
 * the run has one, else the undefended clean cell. A defended clean cell is tested against the
 * undefended clean cell (the cost of the defence on clean data). `undefined` when there is none
 * (and for the undefended clean cell itself).
 */
export function controlOf<C extends CellCoordinates>(cell: CellCoordinates, cells: readonly C[]): C | undefined {
  const find = (defence: string): C | undefined =>
    cells.find((c) => c.nas === cell.nas && c.attack === CLEAN_ATTACK && c.defence === defence);
  if (isControl(cell)) return cell.defence === NO_DEFENCE ? undefined : find(NO_DEFENCE);
  return find(cell.defence) ?? find(NO_DEFENCE);
}

/** Human label of a cell: `pdarts · random-label-flip 10%`, `pdarts · clean (control)`, `… · defence: x`. */
export function cellLabel(cell: CellCoordinates, options: { nas?: boolean } = {}): string {
  const parts: string[] = [];
  if (options.nas !== false) parts.push(cell.nas);
  parts.push(isControl(cell) ? 'clean (control)' : `${cell.attack} ${formatBudget(cell.budget)}`);
  if (cell.defence !== NO_DEFENCE) parts.push(`defence: ${cell.defence}`);
  return parts.join(' · ');
}

/** Cells sorted in report order (a copy). */
export function sortCells<C extends CellCoordinates>(cells: readonly C[]): C[] {
  return [...cells].sort(compareCells);
}

/** The numeric values of a metric in a cell (`undefined` for a diagnostic the cell lacks). */
export function metricValues(cell: CellResult, metric: string): readonly number[] | undefined {
  if (metric === 'accuracy' || metric === 'deltaImprovement') return cell[metric].values;
  return cell.diagnostics[metric]?.values;
}
