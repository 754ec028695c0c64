/**
 * Validation of the results JSON: the JSON Schema that ships in `results.schema.json` (draft
 * 2020-12, compiled with ajv) plus the consistency rules a schema cannot express (ids that resolve,
 * sample counts that match, means that recompute, q-values that are the BH adjustment of the run's
 * p-values — effect tests and margin tests each as their own family —, verdicts that harness/verdicts'
 * `decide` gives from the stored tests, and for arms that ran sequentially, accuracy / ΔImp p-values
 * that are the record's stagewise-adjusted ones). Every violation is reported with its JSON path.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { familySize, harmDirection, hypothesisKey, hypothesisMetric, opposite, qValuesByHypothesis } from '../verdicts/index.js';
import { cellId, metricValues } from './cells.js';
import { sensitivitySummary } from './sensitivity.js';
import { storedDecision } from './decision.js';
import { attackDiagnosticsSection, defenceSection } from './defences.js';
import { RESULTS_SCHEMA_VERSION } from './types.js';
import type { CellResult, MetricSummary, ResultsIssue, RunResults, SequentialArmResult } from './types.js';

/** Absolute path of the results JSON Schema. */
export const RESULTS_SCHEMA_PATH = fileURLToPath(new URL('./results.schema.json', import.meta.url));

/** Relative tolerance when recomputing stored means, sds, ΔImp values and q-values. */
export const RECOMPUTE_TOLERANCE = 1e-9;

/** The results JSON Schema as an object (for tools that want it, e.g. editors or other validators). */
export function resultsSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(RESULTS_SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
}

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const validateSchema = ajv.compile<RunResults>(resultsSchema());

/** Thrown by {@link validateResults}: lists every problem, each with its JSON path. */
export class ResultsValidationError extends Error {
  /** Every problem found, in document order of discovery. */
  readonly issues: readonly ResultsIssue[];

  constructor(issues: readonly ResultsIssue[], origin = 'results JSON') {
    const lines = issues.map((issue) => `  ${issue.path}: ${issue.message}`);
    super(`${origin} is invalid (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`);
    this.name = 'ResultsValidationError';
    this.issues = issues;
  }
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Turns a JSON pointer (`/cells/0/accuracy`) into a JSON path (`$.cells[0].accuracy`). */
export function pointerToPath(pointer: string, extra?: string): string {
  const segments = pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) segments.push(extra);
  let path = '$';
  for (const segment of segments) {
    if (/^(0|[1-9]\d*)$/.test(segment)) path += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) path += `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

function schemaIssue(error: ErrorObject): ResultsIssue | null {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'if':
      return null; // the failing `then`/`else` branch reports the actual problem
    case 'required':
      return { path: pointerToPath(error.instancePath, String(params.missingProperty)), message: 'is required' };
    case 'additionalProperties':
      return { path: pointerToPath(error.instancePath, String(params.additionalProperty)), message: 'is not allowed (unknown property)' };
    case 'enum':
      return {
        path: pointerToPath(error.instancePath),
        message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'const':
      return { path: pointerToPath(error.instancePath), message: `must be ${JSON.stringify(params.allowedValue)}` };
    case 'pattern':
      return {
        path: pointerToPath(error.instancePath),
        message: error.schemaPath.includes('dateTime')
          ? 'must be an ISO 8601 date-time, e.g. 2025-01-31T12:00:00Z'
          : error.schemaPath.includes('jsonNumber')
            ? 'must be a number, "Infinity" or "-Infinity"'
            : (error.message ?? 'is invalid'),
      };
    case 'type':
      if (error.schemaPath.includes('jsonNumber')) {
        return { path: pointerToPath(error.instancePath), message: 'must be a number, "Infinity" or "-Infinity"' };
      }
      return { path: pointerToPath(error.instancePath), message: error.message ?? 'has the wrong type' };
    default:
      return { path: pointerToPath(error.instancePath), message: error.message ?? 'is invalid' };
  }
}

function relativelyClose(a: number, b: number, tolerance = RECOMPUTE_TOLERANCE): boolean {
  return Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b));
}

function checkSummary(summary: MetricSummary, path: string, issues: ResultsIssue[]): void {
  const { values } = summary;
  if (values.length === 0) {
    if (summary.mean !== null) issues.push({ path: `${path}.mean`, message: 'must be null when there are no values' });
  } else {
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    if (summary.mean === null || !relativelyClose(summary.mean, mean)) {
      issues.push({ path: `${path}.mean`, message: `is ${String(summary.mean)} but the values average ${mean}` });
    }
  }
  if (values.length < 2) {
    if (summary.sd !== null) issues.push({ path: `${path}.sd`, message: 'must be null for fewer than two values' });
  } else {
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
    if (summary.sd === null || !relativelyClose(summary.sd, sd, 1e-7)) {
      issues.push({ path: `${path}.sd`, message: `is ${String(summary.sd)} but the values' sd (n − 1) is ${sd}` });
    }
  }
}

function checkCells(results: RunResults, issues: ResultsIssue[]): Map<string, CellResult> {
  const byId = new Map<string, CellResult>();
  // Cells need the baseline their ΔImp was measured against; only a run of sensitivity tables alone has neither.
  if (results.cells.length === 0 && (results.sensitivity ?? []).length === 0) {
    issues.push({ path: '$.cells', message: 'must hold at least one cell (only a run that recorded sensitivity tables may have none)' });
  }
  if (results.cells.length > 0 && results.randomBaseline === undefined) {
    issues.push({ path: '$.randomBaseline', message: 'is required: the cells\' ΔImp is measured against it' });
  }
  const baseline = results.randomBaseline?.mean;
  results.cells.forEach((cell, i) => {
    const path = `$.cells[${i}]`;
    const expectedId = cellId(cell);
    if (cell.id !== expectedId) issues.push({ path: `${path}.id`, message: `must be "${expectedId}" (nas/attack/budget/defence)` });
    if (byId.has(cell.id)) issues.push({ path: `${path}.id`, message: `duplicates cell "${cell.id}"` });
    byId.set(cell.id, cell);
    if (cell.attack === 'clean' && cell.budget !== 0) issues.push({ path: `${path}.budget`, message: 'must be 0 for a clean control' });
    if (cell.attack !== 'clean' && cell.budget === 0) issues.push({ path: `${path}.budget`, message: 'must be > 0 for a poisoned cell' });
    for (const metric of ['accuracy', 'deltaImprovement'] as const) {
      if (cell[metric].values.length !== cell.n) {
        issues.push({ path: `${path}.${metric}.values`, message: `has ${cell[metric].values.length} values but n is ${cell.n}` });
      }
      checkSummary(cell[metric], `${path}.${metric}`, issues);
    }
    cell.accuracy.values.forEach((acc, k) => {
      const delta = cell.deltaImprovement.values[k];
      if (delta !== undefined && baseline !== undefined && !relativelyClose(delta, acc - baseline, 1e-9)) {
        issues.push({
          path: `${path}.deltaImprovement.values[${k}]`,
          message: `is ${delta} but accuracy − random-baseline mean is ${acc - baseline}`,
        });
      }
    });
    for (const [name, summary] of Object.entries(cell.diagnostics)) {
      checkSummary(summary, `${path}.diagnostics${pointerToPath(`/${name}`).slice(1)}`, issues);
    }
    if (cell.trialKeys.length !== cell.n + cell.errored) {
      issues.push({ path: `${path}.trialKeys`, message: `has ${cell.trialKeys.length} keys but n + errored is ${cell.n + cell.errored}` });
    }
  });
  return byId;
}

function nullableClose(a: number | null, b: number | null): boolean {
  return a === null || b === null ? a === b : relativelyClose(a, b);
}

/**
 * The sequential records: each names a poisoned cell of the run, once, with that cell's attack and
 * budget, and stopped at no more trials than the cell has. Returns them by cell id with their index.
 */
function checkSequential(results: RunResults, cells: Map<string, CellResult>, issues: ResultsIssue[]): Map<string, { record: SequentialArmResult; index: number }> {
  const byCell = new Map<string, { record: SequentialArmResult; index: number }>();
  (results.sequential ?? []).forEach((record, i) => {
    const path = `$.sequential[${i}]`;
    const cell = cells.get(record.cell);
    if (!cell) {
      issues.push({ path: `${path}.cell`, message: `refers to no cell ("${record.cell}")` });
      return;
    }
    if (cell.attack === 'clean') issues.push({ path: `${path}.cell`, message: `"${record.cell}" is a clean control; only poisoned arms run sequentially` });
    if (record.arm !== `${cell.attack}@${cell.budget}`) issues.push({ path: `${path}.arm`, message: `is "${record.arm}" but cell "${cell.id}" is arm "${cell.attack}@${cell.budget}"` });
    if (record.budget !== cell.budget) issues.push({ path: `${path}.budget`, message: `is ${record.budget} but cell "${cell.id}" has budget ${cell.budget}` });
    if (record.design.max <= record.design.min) issues.push({ path: `${path}.design.max`, message: `is ${record.design.max} but must exceed min (${record.design.min})` });
    if (record.stoppedAt > cell.n) issues.push({ path: `${path}.stoppedAt`, message: `is ${record.stoppedAt} but cell "${cell.id}" has ${cell.n} completed trials` });
    if (byCell.has(record.cell)) issues.push({ path: `${path}.cell`, message: `duplicates the sequential record of cell "${record.cell}"` });
    else byCell.set(record.cell, { record, index: i });
  });
  return byCell;
}

function checkComparisons(
  results: RunResults,
  cells: Map<string, CellResult>,
  sequential: Map<string, { record: SequentialArmResult; index: number }>,
  issues: ResultsIssue[],
): void {
  const ids = new Set<string>();
  const { alpha, power } = results.run;
  const effects: { index: number; p: number; q: number; key: string }[] = [];
  const bounds: { index: number; p: number; q: number; key: string }[] = [];
  const decisionIssues: ResultsIssue[] = [];
  results.comparisons.forEach((c, i) => {
    const path = `$.comparisons[${i}]`;
    if (ids.has(c.id)) issues.push({ path: `${path}.id`, message: `duplicates comparison "${c.id}"` });
    ids.add(c.id);
    const tested = cells.get(c.cell);
    const control = cells.get(c.control);
    if (!tested) issues.push({ path: `${path}.cell`, message: `refers to no cell ("${c.cell}")` });
    if (!control) issues.push({ path: `${path}.control`, message: `refers to no cell ("${c.control}")` });
    else if (control.attack !== 'clean') issues.push({ path: `${path}.control`, message: `"${c.control}" is not a clean control` });
    const harm = harmDirection(c.metric);
    if (c.alternative !== harm) issues.push({ path: `${path}.alternative`, message: `is "${c.alternative}" but the harm direction of ${c.metric} is "${harm}"` });
    if (c.comparison.alternative !== c.alternative) {
      issues.push({ path: `${path}.comparison.alternative`, message: `is "${c.comparison.alternative}" but the comparison's alternative is "${c.alternative}"` });
    }
    for (const [arm, cell, n] of [
      ['A', tested, c.comparison.nA],
      ['B', control, c.comparison.nB],
    ] as const) {
      if (!cell) continue;
      const values = metricValues(cell, c.metric);
      if (values === undefined) issues.push({ path: `${path}.metric`, message: `cell "${cell.id}" has no metric "${c.metric}"` });
      else if (values.length !== n) issues.push({ path: `${path}.comparison.n${arm}`, message: `is ${n} but cell "${cell.id}" has ${values.length} ${c.metric} values` });
    }
    const key = hypothesisKey(c.cell, c.metric, c.alternative);
    const seq = hypothesisMetric(c.metric) === 'accuracy' ? sequential.get(c.cell) : undefined;
    if (seq) {
      // The arm ran sequentially: its monitored hypothesis is judged by the stagewise-adjusted
      // p-values (see `sequentialTests`), which then enter BH like fixed-design ones.
      for (const [where, test, adjusted, field] of [
        ['comparison', c.comparison, seq.record.adjustedHarmP, 'adjustedHarmP'],
        ['bound', c.bound, seq.record.adjustedMarginP, 'adjustedMarginP'],
      ] as const) {
        if (test?.state === 'computed' && adjusted !== null && !relativelyClose(test.p, adjusted)) {
          issues.push({
            path: `${path}.${where}.p`,
            message: `is ${test.p} but the arm ran sequentially: its p is the stagewise-adjusted ${adjusted} ($.sequential[${seq.index}].${field})`,
          });
        }
      }
    }
    if (c.comparison.state === 'computed') {
      if (c.comparison.alpha !== alpha) issues.push({ path: `${path}.comparison.alpha`, message: `is ${c.comparison.alpha} but the run's α is ${alpha}` });
      if ((c.comparison.nullDifference ?? 0) !== 0) issues.push({ path: `${path}.comparison.nullDifference`, message: 'must be absent: the effect test is against no difference' });
      effects.push({ index: i, p: c.comparison.p, q: c.comparison.q, key });
    }
    if (c.margin === null) {
      if (c.bound !== undefined) issues.push({ path: `${path}.bound`, message: 'must be absent without a margin' });
    } else if (c.bound === undefined) {
      issues.push({ path: `${path}.bound`, message: `is required: the margin δ = ${c.margin} has a margin test` });
    } else {
      const b = c.bound;
      const expectedAlternative = opposite(c.alternative);
      if (b.alternative !== expectedAlternative) issues.push({ path: `${path}.bound.alternative`, message: `is "${b.alternative}" but the margin test of a "${c.alternative}" harm is "${expectedAlternative}"` });
      if (b.nA !== c.comparison.nA || b.nB !== c.comparison.nB) issues.push({ path: `${path}.bound`, message: `tests n = ${b.nA}/${b.nB} but the effect test n = ${c.comparison.nA}/${c.comparison.nB}` });
      if (b.state === 'computed') {
        const delta0 = c.alternative === 'less' ? -c.margin : c.margin;
        if (b.nullDifference !== delta0) issues.push({ path: `${path}.bound.nullDifference`, message: `is ${String(b.nullDifference)} but δ = ${c.margin} gives Δ₀ = ${delta0}` });
        if (b.alpha !== alpha) issues.push({ path: `${path}.bound.alpha`, message: `is ${b.alpha} but the run's α is ${alpha}` });
        if (c.comparison.state === 'computed' && !relativelyClose(b.diff, c.comparison.diff)) {
          issues.push({ path: `${path}.bound.diff`, message: `is ${b.diff} but the effect test's difference is ${c.comparison.diff}` });
        }
        bounds.push({ index: i, p: b.p, q: b.q, key });
      }
    }
    const d = storedDecision(c, alpha, power);
    const expected: [string, unknown, unknown, boolean][] = [
      ['verdict', c.verdict, d.verdict, c.verdict === d.verdict],
      ['withinMargin', c.withinMargin, d.withinMargin, c.withinMargin === d.withinMargin],
      ['trialsNeeded', c.trialsNeeded, d.trialsNeeded, c.trialsNeeded === d.trialsNeeded],
      ['planningSd', c.planningSd, d.planningSd, nullableClose(c.planningSd, d.planningSd)],
      ['planningSdSource', c.planningSdSource, d.planningSdSource, c.planningSdSource === d.planningSdSource],
    ];
    for (const [field, stored, computed, ok] of expected) {
      if (!ok) decisionIssues.push({ path: `${path}.${field}`, message: `is ${JSON.stringify(stored)} but the stored tests, their q-values and α = ${alpha} give ${JSON.stringify(computed)}` });
    }
  });
  issues.push(...decisionIssues);
  for (const [family, members, where] of [
    ['effect tests', effects, 'comparison'],
    ['margin tests', bounds, 'bound'],
  ] as const) {
    const q = qValuesByHypothesis(members);
    const hypotheses = familySize(members);
    members.forEach((c, k) => {
      const expected = q[k] as number;
      if (!relativelyClose(c.q, expected)) {
        issues.push({ path: `$.comparisons[${c.index}].${where}.q`, message: `is ${c.q} but Benjamini–Hochberg over the run's ${hypotheses} distinct hypotheses (${family}) gives ${expected}` });
      }
    });
  }
}

/**
 * The sensitivity tables: one change per panel cell, and n, mean, sd, the t CI at the table's
 * confidence and max |change| that recompute from the changes; bit-identical cells are at most the
 * panel, and each has a change of exactly 0.
 */
function checkSensitivity(results: RunResults, issues: ResultsIssue[]): void {
  const seen = new Set<string>();
  (results.sensitivity ?? []).forEach((table, i) => {
    const path = `$.sensitivity[${i}]`;
    const key = `${table.file}\u0000${table.label}`;
    if (seen.has(key)) issues.push({ path: `${path}.label`, message: `duplicates the table "${table.label}" of ${table.file}` });
    seen.add(key);
    const names = new Set<string>();
    table.metrics.forEach((m, k) => {
      const at = `${path}.metrics[${k}]`;
      if (names.has(m.metric)) issues.push({ path: `${at}.metric`, message: `duplicates metric "${m.metric}"` });
      names.add(m.metric);
      if (m.changes.length !== table.cells.length) issues.push({ path: `${at}.changes`, message: `has ${m.changes.length} entries but the panel has ${table.cells.length} cells` });
      const expected = sensitivitySummary(m.changes, table.confidence);
      if (m.n !== expected.n) issues.push({ path: `${at}.n`, message: `is ${m.n} but ${expected.n} changes are defined` });
      for (const field of ['mean', 'sd', 'ciLow', 'ciHigh', 'maxAbsChange'] as const) {
        if (!nullableClose(m[field], expected[field])) issues.push({ path: `${at}.${field}`, message: `is ${String(m[field])} but the changes give ${String(expected[field])}` });
      }
      if (m.bitIdentical > table.cells.length) issues.push({ path: `${at}.bitIdentical`, message: `is ${m.bitIdentical} but the panel has ${table.cells.length} cells` });
      if (m.error !== undefined && m.changes.some((c) => c !== null)) issues.push({ path: `${at}.changes`, message: 'must all be null: the metric could not be computed (error)' });
      const zeros = m.changes.filter((c) => c === 0).length;
      if (m.bitIdentical > zeros) issues.push({ path: `${at}.bitIdentical`, message: `is ${m.bitIdentical} but only ${zeros} cells have a change of 0` });
    });
  });
}

/** Text fields of the sections, written by the builder's wording of the day: not recomputed. */
const WORDING = new Set(['interpretation', 'note', 'family']);

/**
 * Reports every leaf where a stored section departs from the one its cells give: numbers within
 * {@link RECOMPUTE_TOLERANCE}, everything else equal, the same keys in every object.
 */
function compareStored(expected: unknown, stored: unknown, path: string, issues: ResultsIssue[]): void {
  if (typeof expected === 'number' && typeof stored === 'number') {
    if (!relativelyClose(expected, stored)) issues.push({ path, message: `is ${stored} but the cells give ${expected}` });
    return;
  }
  if (Array.isArray(expected) && Array.isArray(stored)) {
    if (expected.length !== stored.length) {
      issues.push({ path, message: `has ${stored.length} entries but the cells give ${expected.length}` });
      return;
    }
    expected.forEach((e, i) => compareStored(e, stored[i], `${path}[${i}]`, issues));
    return;
  }
  const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (isObject(expected) && isObject(stored)) {
    for (const key of new Set([...Object.keys(expected), ...Object.keys(stored)])) {
      const at = `${path}${pointerToPath(`/${key}`).slice(1)}`;
      if (!(key in stored)) issues.push({ path: at, message: `is missing but the cells give ${JSON.stringify(expected[key])}` });
      else if (!(key in expected)) issues.push({ path: at, message: 'is not given by the cells' });
      else if (!WORDING.has(key)) compareStored(expected[key], stored[key], at, issues);
    }
    return;
  }
  if (expected !== stored) issues.push({ path, message: `is ${JSON.stringify(stored)} but the cells give ${JSON.stringify(expected)}` });
}

/**
 * The defences and attack diagnostics sections, when present, recompute from the cells (the
 * oracle flags, which the cells do not keep, taken as stored); absent ones (older results) pass.
 */
function checkSections(results: RunResults, issues: ResultsIssue[]): void {
  if (results.defences !== undefined) {
    const oracles = new Set((results.defences?.rows ?? []).filter((r) => r.oracle).map((r) => r.cell));
    compareStored(defenceSection(results.cells, oracles, results.run.alpha, results.run.power), results.defences, '$.defences', issues);
  }
  if (results.attackDiagnostics !== undefined) compareStored(attackDiagnosticsSection(results.cells), results.attackDiagnostics, '$.attackDiagnostics', issues);
}

/**
 * Checks a parsed results JSON against the schema and the consistency rules, and returns it typed.
 *
 * @param json - the parsed JSON (e.g. `JSON.parse(text)`).
 * @param origin - how to name the input in the error message (e.g. a file path).
 * @throws ResultsValidationError listing every problem with its JSON path (`$.cells[2].n: must be integer`).
 */
export function validateResults(json: unknown, origin?: string): RunResults {
  const version = typeof json === 'object' && json !== null ? (json as { schemaVersion?: unknown }).schemaVersion : undefined;
  if (typeof version === 'number' && version !== RESULTS_SCHEMA_VERSION) {
    throw new ResultsValidationError(
      [
        {
          path: '$.schemaVersion',
          message:
            `is ${version}, but this naspoison reads results schema ${RESULTS_SCHEMA_VERSION} only` +
            (version < RESULTS_SCHEMA_VERSION ? ' (schema 1 had two verdicts; re-render the run from the store with `naspoison report <run id>`)' : ' (written by a newer naspoison)'),
        },
      ],
      origin,
    );
  }
  if (!validateSchema(json)) {
    const issues = (validateSchema.errors ?? []).map(schemaIssue).filter((issue): issue is ResultsIssue => issue !== null);
    const unique = [...new Map(issues.map((issue) => [`${issue.path}\u0000${issue.message}`, issue])).values()];
    throw new ResultsValidationError(unique, origin);
  }
  const issues: ResultsIssue[] = [];
  const cells = checkCells(json, issues);
  const sequential = checkSequential(json, cells, issues);
  checkComparisons(json, cells, sequential, issues);
  checkSensitivity(json, issues);
  checkSections(json, issues);
  if (issues.length > 0) throw new ResultsValidationError(issues, origin);
  return json;
}

/** Parses and validates a results JSON text (see {@link validateResults}). */
export function parseResults(text: string, origin?: string): RunResults {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ResultsValidationError([{ path: '$', message: `is not valid JSON (${(error as Error).message})` }], origin);
  }
  return validateResults(json, origin);
}
