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
    expect(schema.required).toEqual(expect.arrayContaining(['protocolVersion', 'run', 'cells', 'comparisons']));
    // The random baseline is required with cells (a consistency rule): a run of sensitivity tables alone has neither.
    expect(schema.required).not.toContain('randomBaseline');
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
        '$.comparisons[4].verdict: must be one of "harm-shown", "no-harm-beyond-margin", "inconclusive", "insufficient-data"',
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

  test('effect-test q-values must be Benjamini–Hochberg over the effect tests, and a tampered q shows in the verdict it changes', () => {
    const broken = mutableCopy(loadExampleResults());
    broken.comparisons[3].comparison.q = 0.01; // 10% accuracy: really q ≈ 0.12, inconclusive
    expect(issuesOf(broken)).toEqual([
      '$.comparisons[3].verdict: is "inconclusive" but the stored tests, their q-values and α = 0.05 give "harm-shown"',
      expect.stringMatching(/^\$\.comparisons\[3\]\.comparison\.q: is 0\.01 but Benjamini–Hochberg over the run's 6 distinct hypotheses \(effect tests\) gives 0\.12/),
    ]);
  });

  test('margin-test q-values form their own family', () => {
    const broken = mutableCopy(loadExampleResults());
    broken.comparisons[4].bound.q = 0.2; // 10% ΔImp margin test: really the 10% accuracy margin q (one hypothesis)
    broken.comparisons[0].bound.q = 0.01; // 1% accuracy: really q ≈ 0.026 over the 3 margin tests
    expect(issuesOf(broken)).toEqual([
      expect.stringMatching(/^\$\.comparisons\[0\]\.bound\.q: is 0\.01 but Benjamini–Hochberg over the run's 3 distinct hypotheses \(margin tests\) gives 0\.026/),
      expect.stringMatching(/^\$\.comparisons\[4\]\.bound\.q: is 0\.2 but Benjamini–Hochberg over the run's 3 distinct hypotheses \(margin tests\) gives 0\.2\d/),
    ]);
  });

  test('verdicts, withinMargin and trials needed must be what decide gives from the stored tests', () => {
    const broken = mutableCopy(loadExampleResults());
    broken.comparisons[7].verdict = 'inconclusive'; // 50% ΔImp: harm shown
    broken.comparisons[0].verdict = 'inconclusive'; // 1% accuracy: no harm beyond 2 pp
    broken.comparisons[0].withinMargin = false;
    broken.comparisons[4].trialsNeeded = 4;
    expect(issuesOf(broken)).toEqual([
      '$.comparisons[0].verdict: is "inconclusive" but the stored tests, their q-values and α = 0.05 give "no-harm-beyond-margin"',
      '$.comparisons[0].withinMargin: is false but the stored tests, their q-values and α = 0.05 give true',
      '$.comparisons[4].trialsNeeded: is 4 but the stored tests, their q-values and α = 0.05 give 3',
      '$.comparisons[7].verdict: is "inconclusive" but the stored tests, their q-values and α = 0.05 give "harm-shown"',
    ]);
  });

  test('a margin has exactly one margin test, against Δ₀ = ∓δ in the opposite direction', () => {
    const broken = mutableCopy(loadExampleResults());
    delete broken.comparisons[1].bound;
    broken.comparisons[3].bound.nullDifference = -1;
    broken.comparisons[2].bound = broken.comparisons[3].bound;
    expect(issuesOf(broken)).toEqual(
      expect.arrayContaining([
        '$.comparisons[1].bound: is required: the margin δ = 2 has a margin test',
        '$.comparisons[2].bound: must be absent without a margin',
        '$.comparisons[3].bound.nullDifference: is -1 but δ = 2 gives Δ₀ = -2',
      ]),
    );
  });

  test('results of another schema version are refused with one clear message', () => {
    const old = mutableCopy(loadExampleResults());
    old.schemaVersion = 1;
    expect(issuesOf(old)).toEqual([
      '$.schemaVersion: is 1, but this naspoison reads results schema 2 only (schema 1 had two verdicts; re-render the run from the store with `naspoison report <run id>`)',
    ]);
  });

  test('the comparison direction must be the metric’s harm direction', () => {
    const broken = mutableCopy(loadExampleResults());
    broken.comparisons[2].alternative = 'less';
    expect(issuesOf(broken)).toContain('$.comparisons[2].alternative: is "less" but the harm direction of skipConnections is "greater"');
  });

  test('parseResults reports text that is not JSON at the root path', () => {
    expect(() => parseResults('{"run": ', 'broken.json')).toThrow(/^broken\.json is invalid \(1 problem\):\n {2}\$: is not valid JSON/);
  });

  test('JSON paths quote keys that are not identifiers', () => {
    expect(pointerToPath('/cells/0/diagnostics/search time~1s')).toBe('$.cells[0].diagnostics["search time/s"]');
    expect(pointerToPath('', 'tier')).toBe('$.tier');
  });
});
