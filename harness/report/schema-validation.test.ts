import { describe, expect, test } from 'vitest';
import { ResultsValidationError, parseResults, pointerToPath, resultsSchema, validateResults } from './schema.js';
import { loadExampleResults, mutableCopy } from './test-utils.js';

function issuesOf(json: unknown): string[] {
  try {
    validateResults(json);
  } catch (error) {
    expect(error).toBeInstanceOf(ResultsValidationError);
    return (error as ResultsValidationError).issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
  throw new Error('expected the results to be rejected');
}

describe('results schema', () => {
  test('accepts the realistic fixture and returns it unchanged', () => {
    const results = loadExampleResults();
    expect(validateResults(results)).toBe(results);
    expect(results.cells).toHaveLength(5);
    expect(results.comparisons).toHaveLength(12);
  });

  test('ships as a draft 2020-12 schema file', () => {
    const schema = resultsSchema();
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.required).toEqual(expect.arrayContaining(['protocolVersion', 'run', 'randomBaseline', 'cells', 'comparisons']));
  });

  test('names a missing required field by its JSON path', () => {
    const broken = mutableCopy(loadExampleResults());
    delete broken.run.tier;
    delete broken.randomBaseline.recipe;
    expect(issuesOf(broken)).toEqual(['$.run.tier: is required', '$.randomBaseline.recipe: is required']);
  });

  test('lists every type, enum, const and format violation with its path', () => {
    const broken = mutableCopy(loadExampleResults());
    broken.cells[2].n = 'three';
    broken.cells[0].accuracy.values[1] = 'high';
    broken.comparisons[4].verdict = 'maybe';
    broken.run.correction = 'bonferroni';
    broken.run.createdAt = 'yesterday';
    broken.run.alpha = 1.5;
    const issues = issuesOf(broken);
    expect(issues).toEqual(
      expect.arrayContaining([
        '$.cells[2].n: must be integer',
        '$.cells[0].accuracy.values[1]: must be number',
        '$.comparisons[4].verdict: must be one of "significant", "not-significant", "insufficient-data"',
        '$.run.correction: must be "benjamini-hochberg"',
        '$.run.createdAt: must be an ISO 8601 date-time, e.g. 2025-01-31T12:00:00Z',
        '$.run.alpha: must be < 1',
      ]),
    );
    expect(issues).toHaveLength(6);
  });

  test('rejects unknown properties and bad comparison payloads by discriminant', () => {
    const broken = mutableCopy(loadExampleResults());
    broken.run.colour = 'blue';
    broken.comparisons[0].comparison.t = 'inf';
    delete broken.comparisons[0].comparison.q;
    broken.comparisons[9].comparison.p = 0.3; // insufficient-data comparisons have no p
    expect(issuesOf(broken)).toEqual(
      expect.arrayContaining([
        '$.run.colour: is not allowed (unknown property)',
        '$.comparisons[0].comparison.t: must be a number, "Infinity" or "-Infinity"',
        '$.comparisons[0].comparison.q: is required',
        '$.comparisons[9].comparison.p: is not allowed (unknown property)',
      ]),
    );
  });

  test('accepts infinite t and g written as strings', () => {
    const results = mutableCopy(loadExampleResults());
    results.comparisons[0].comparison.t = '-Infinity';
    results.comparisons[0].comparison.hedgesG = '-Infinity';
    expect(() => validateResults(results)).not.toThrow();
  });

  test('the error message lists each problem on its own line', () => {
    const broken = mutableCopy(loadExampleResults());
    delete broken.run.id;
    broken.cells[1].budget = 1.2;
    expect(() => validateResults(broken, 'out/results.json')).toThrow(
      /^out\/results\.json is invalid \(2 problems\):\n {2}\$\.run\.id: is required\n {2}\$\.cells\[1\]\.budget: must be < 1$/,
    );
  });
});

describe('results consistency rules', () => {
  test('sample counts, means and sds must match the stored values', () => {
    const broken = mutableCopy(loadExampleResults());
    broken.cells[1].accuracy.values.push(90);
    broken.cells[2].deltaImprovement.mean = 9.99;
    broken.cells[3].diagnostics.skipConnections.sd = 0;
    expect(issuesOf(broken)).toEqual(
      expect.arrayContaining([
        '$.cells[1].accuracy.values: has 4 values but n is 3',
        expect.stringMatching(/^\$\.cells\[1\]\.accuracy\.mean: is 87\.8\d* but the values average 88\.4/),
        expect.stringMatching(/^\$\.cells\[2\]\.deltaImprovement\.mean: is 9\.99 but the values average 4\.38/),
        expect.stringMatching(/^\$\.cells\[3\]\.diagnostics\.skipConnections\.sd: is 0 but the values' sd/),
      ]),
    );
  });

  test('ΔImp values must equal accuracy minus the random-baseline mean', () => {
    const broken = mutableCopy(loadExampleResults());
    broken.randomBaseline.mean = 80;
    const issues = issuesOf(broken);
    expect(issues[0]).toMatch(/^\$\.cells\[0\]\.deltaImprovement\.values\[0\]: is 5\.55\d* but accuracy − random-baseline mean is 7\.9/);
  });

  test('cell ids must match their coordinates and comparisons must refer to existing cells', () => {
    const broken = mutableCopy(loadExampleResults());
    broken.cells[1].id = 'pdarts/rlf/0.01/none';
    broken.comparisons[0].control = 'pdarts/clean/0/nothing';
    expect(issuesOf(broken)).toEqual(
      expect.arrayContaining([
        '$.cells[1].id: must be "pdarts/random-label-flip/0.01/none" (nas/attack/budget/defence)',
        '$.comparisons[0].control: refers to no cell ("pdarts/clean/0/nothing")',
      ]),
    );
  });

  test('q-values must be the Benjamini–Hochberg adjustment of the run’s p-values, and verdicts must follow from q and α', () => {
    const broken = mutableCopy(loadExampleResults());
    broken.comparisons[3].comparison.q = 0.01; // 10% accuracy: really q ≈ 0.120
    broken.comparisons[7].verdict = 'not-significant'; // 50% ΔImp: q ≈ 0.030 ≤ 0.05
    expect(issuesOf(broken)).toEqual([
      '$.comparisons[3].verdict: is "not-significant" but q and α = 0.05 give "significant"',
      '$.comparisons[7].verdict: is "not-significant" but q and α = 0.05 give "significant"',
      expect.stringMatching(/^\$\.comparisons\[3\]\.comparison\.q: is 0\.01 but Benjamini–Hochberg over the run's 6 distinct hypotheses gives 0\.120/),
    ]);
  });

  test('parseResults reports text that is not JSON at the root path', () => {
    expect(() => parseResults('{"run": ', 'broken.json')).toThrow(/^broken\.json is invalid \(1 problem\):\n {2}\$: is not valid JSON/);
  });

  test('JSON paths quote keys that are not identifiers', () => {
    expect(pointerToPath('/cells/0/diagnostics/search time~1s')).toBe('$.cells[0].diagnostics["search time/s"]');
    expect(pointerToPath('', 'tier')).toBe('$.tier');
  });
});
