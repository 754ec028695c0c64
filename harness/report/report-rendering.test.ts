import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { renderHtml, renderMarkdown, renderReport } from './render.js';
import { ResultsValidationError } from './schema.js';
import { checkWellFormedXml, extractSvgs, loadExampleResults, mutableCopy, readable, tempFolder } from './test-utils.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
function folder(): string {
  const { dir, cleanup } = tempFolder();
  cleanups.push(cleanup);
  return dir;
}

describe('rendering a run into report.md, index.html and results.json', () => {
  test('writes the three files, with results.json equal to the validated input', () => {
    const dir = folder();
    const results = loadExampleResults();
    const paths = renderReport(results, join(dir, 'nested', 'out'));
    expect(paths).toEqual({
      markdown: join(dir, 'nested', 'out', 'report.md'),
      html: join(dir, 'nested', 'out', 'index.html'),
      json: join(dir, 'nested', 'out', 'results.json'),
    });
    expect(JSON.parse(readFileSync(paths.json, 'utf8'))).toEqual(results);
    expect(readdirSync(join(dir, 'nested', 'out')).sort()).toEqual(['index.html', 'report.md', 'results.json']); // no temp files left
  });

  test('every cell shows Acc and ΔImp mean ± sd, n, p, q and the verdict, in both formats', () => {
    const results = loadExampleResults();
    const md = renderMarkdown(results);
    const html = renderHtml(results);
    expect(md).toContain('| pdarts | random-label-flip | 50% | none | 3 | 83.30 ± 1.21 | 0.95 ± 1.21 | −4.7 pp | 0.0050 | 0.030 | **harm shown** |');
    expect(md).toContain('| pdarts | random-label-flip | 10% | none | 3 | 86.73 ± 0.86 | 4.38 ± 0.86 | −1.2 pp | 0.060 | 0.12 | inconclusive |');
    expect(md).toContain('| pdarts | random-label-flip | 1% | none | 3 | 87.87 ± 0.59 | 5.52 ± 0.59 | −0.1 pp | 0.42 | 0.50 | no harm beyond 2 pp |');
    expect(md).toContain('| pdarts | clean | 0% | none | 3 | 87.97 ± 0.60 | 5.62 ± 0.60 | — | — | — | control |');
    expect(md).toContain('| pdarts | random-label-flip | 50% | loss-sanitisation | 1 (+2 errored) | 85.30 (n = 1) | 2.95 (n = 1) |');
    for (const text of ['83.30 ± 1.21', '0.95 ± 1.21', '0.0050', '0.030', '87.97 ± 0.60']) expect(html).toContain(text);
    expect(html).toContain('<tr class="row-harm-shown" id="cell-pdarts/random-label-flip/0.5/none">');
    expect(html).toContain('<span class="badge badge-harm-shown">harm shown</span>');
    expect(html).toContain('<span class="badge badge-no-harm-beyond-margin">no harm beyond 2 pp</span>');
  });

  test('the report names the random baseline, tier, dataset, environment, code version, α, correction and explains ΔImp', () => {
    const results = loadExampleResults();
    for (const doc of [renderMarkdown(results), renderHtml(results)].map(readable)) {
      expect(doc).toContain('82.35 ± 4.87%');
      expect(doc).toContain('24 random architectures');
      expect(doc).toContain('nb201-smoke-12ep');
      expect(doc).toMatch(/smoke/);
      expect(doc).toContain('fashion-mnist');
      expect(doc).toContain('5000');
      expect(doc).toContain('AMD EPYC 7B13');
      expect(doc).toContain('wasm');
      expect(doc).toContain('9c22c03');
      expect(doc).toContain('naspoison-protocol/0.1');
      expect(doc).toContain('α = 0.05');
      expect(doc).toContain('Benjamini–Hochberg');
      expect(doc).toContain('the effect tests of all 6 distinct hypotheses tested in this run, and the margin tests of the 3 with a declared margin δ');
      expect(doc).toContain('accuracy / ΔImp: 2 pp');
      expect(doc).toContain('ΔImp = 0 means the search was no better than drawing an architecture at random');
    }
  });

  test('the three verdicts, their legend and counts, and the insufficient-data and MDE sentences reach both formats', () => {
    const results = loadExampleResults();
    const md = renderMarkdown(results);
    expect(md).toContain('| Cell | H₁ (A vs B) | A mean ± sd | B mean ± sd | n A/B | Change | 95% CI | g | p | q | MDE | δ | margin q | Trials needed | Verdict |');
    expect(md).toContain('| pdarts · random-label-flip 10% | ΔImp lower | 4.38 ± 0.86 | 5.62 ± 0.60 | 3 / 3 | −1.2 pp | \\[−3.0, 0.53\\] pp | −1.3 | 0.060 | 0.12 | 1.9 pp | 2 pp | 0.21 | 3 | inconclusive |');
    expect(md).toContain('Verdicts: **harm shown** = the effect test rejects; *no harm beyond δ* = only the margin test rejects; *inconclusive* = neither');
    expect(md).toContain('- Harm shown: **3** · no harm beyond δ: **2** · inconclusive: **4** · insufficient data: **3** · 12 comparisons in all');
    for (const doc of [md, renderHtml(results)].map(readable)) {
      expect(doc).toContain('Of 4 tested cells (ΔImp versus the clean control): harm shown in 1, no harm beyond the margin in 1, inconclusive in 1, insufficient data in 1.');
      expect(doc).toContain("Insufficient data for ΔImp (n = 1 poisoned, 3 control; Welch's test needs at least 2 per arm): no verdict");
      expect(doc).toContain('only a drop ≥ 1.9 pp was detectable with n = 3 per arm at 80% power');
      expect(doc).toContain('Harm shown (ΔImp −4.7 pp, q = 0.030, g = −3.9).');
      expect(doc).toContain('No harm beyond 2 pp (ΔImp −0.1 pp; margin test q = 0.026, effect test q = 0.50).');
    }
  });

  test('assertions: a verdict column, underpowered rows with their MDE and trials needed, and the five counts', () => {
    const results = loadExampleResults();
    const md = renderMarkdown(results);
    expect(md).toContain('- Spec assertions: 3 passed, 1 failed, 1 errored, 1 underpowered at this tier, 1 skipped');
    expect(md).toContain('| Status | Assertion | File | Verdict | Underpowered at this tier | Message |');
    expect(md).toContain(
      '| underpowered at this tier | flipping 10% of the labels lowers ΔImp | benchmarks/pdarts/random-label-flip.spec.ts | inconclusive (ΔImp) | ΔImp: only a shift ≥ 1.9 pp detectable at n = 3; about 3 trials per arm would decide it at δ = 2 pp |',
    );
    expect(md).toContain('| passed | a 1% budget does not move accuracy (robustness gate) | benchmarks/pdarts/random-label-flip.spec.ts | no harm beyond 2 pp (accuracy) | — |');
    expect(md).not.toContain('counted as failures');
    const html = readable(renderHtml(results));
    expect(html).toContain('<th scope="col">Underpowered at this tier</th>');
    expect(html).toContain('<span class="badge badge-underpowered">underpowered at this tier</span>');
    expect(html).toContain('Spec assertions: 3 passed, 1 failed, 1 errored, 1 underpowered at this tier, 1 skipped.');
    const strict = mutableCopy(results);
    strict.run.strict = true;
    for (const doc of [renderMarkdown(strict), renderHtml(strict)].map(readable)) {
      expect(doc).toContain('3 passed, 1 failed, 1 errored, 1 underpowered at this tier, 1 skipped (strict run: underpowered assertions counted as failures)');
    }
  });

  test('the command that produced the run and its exit code head the report, in both formats', () => {
    const results = loadExampleResults();
    const md = renderMarkdown(results);
    expect(md.split('\n').slice(0, 6)).toEqual([
      '# P-DARTS × random label flipping (smoke tier)',
      '',
      '**Command:** naspoison run benchmarks/pdarts/random-label-flip.spec.ts --tier smoke',
      '',
      '**Outcome:** exit code 1: an assertion failed or errored, or the run failed',
      '',
    ]);
    expect(md).toContain('| **errored** | the defended arm reports its removal counts |');
    const html = renderHtml(results);
    const header = html.slice(html.indexOf('<header'), html.indexOf('</header>'));
    expect(header).toContain('<code>naspoison run benchmarks/pdarts/random-label-flip.spec.ts --tier smoke</code>');
    expect(header).toContain('exit code 1: an assertion failed or errored, or the run failed');
    expect(html).toContain('<span class="badge badge-errored">errored</span>');
    const passing = mutableCopy(results);
    passing.run.exitCode = 0;
    expect(renderMarkdown(passing)).toContain('**Outcome:** exit code 0: no decided assertion failed');
    delete passing.run.exitCode;
    expect(renderMarkdown(passing)).not.toContain('**Outcome:**');
  });

  test('the calibration and method sections, and the note when no calibration is stored', () => {
    const results = loadExampleResults();
    const md = renderMarkdown(results);
    expect(md).toContain('## Calibration');
    expect(md).toContain('- **Headroom:** 6.55 pp (best reference mean − random mean)');
    expect(md).toContain('- **Random cells:** 82.35 ± 4.87% (n = 24)');
    expect(md).toContain('A drop of δ = 2 pp needs about 3 trials per arm at the calibrated seed noise (sd 0.71 pp, α = 0.05, 80% power); this run had up to 3 per arm.');
    expect(md).toContain('## Method\n\n### pdarts\n');
    expect(md).toContain('Deviations from the published settings at this tier:\n- search: 2 stages × 3 epochs instead of 3 stages × 25 epochs\n');
    const html = readable(renderHtml(results));
    expect(html).toContain('<h2 id="calibration-heading">Calibration</h2>');
    expect(html).toContain('<dt>Seed noise</dt><dd>sd 0.71 pp over 5 seeds of');
    expect(html).toContain('<h2 id="nas-method-heading">Method</h2>');
    expect(html).toContain('<li>architecture learning rate 0.02 instead of 6e-4 (so that α moves at all in so few steps)</li>');
    const bare = mutableCopy(results);
    bare.calibration = null;
    bare.methods[0].deviations = [];
    for (const doc of [renderMarkdown(bare), renderHtml(bare)].map(readable)) {
      expect(doc).toMatch(/No calibration stored for this tier — run \\?`naspoison calibrate --tier smoke\\?`\./);
      expect(doc).toContain("Trials-needed figures therefore use the arms' own sds");
      expect(doc).toContain('Deviations from the published settings at this tier: none.');
    }
    delete bare.calibration;
    delete bare.methods;
    expect(renderMarkdown(bare)).toContain('No calibration stored for this tier');
    expect(renderMarkdown(bare)).not.toContain('## Method\n');
  });

  test('the HTML is self-contained: inline CSS and SVG, no external resources or scripts', () => {
    const html = renderHtml(loadExampleResults());
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<link\b|<script\b|\bsrc=|@import|url\(|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    const svgs = extractSvgs(html);
    expect(svgs).toHaveLength(3); // ΔImp without defence, ΔImp with loss-sanitisation, accuracy
    for (const svg of svgs) expect(checkWellFormedXml(svg).root).toBe('svg');
  });

  test('the same results render to byte-identical files', () => {
    const a = folder();
    const b = folder();
    renderReport(loadExampleResults(), a);
    renderReport(loadExampleResults(), b);
    for (const name of ['report.md', 'index.html', 'results.json']) {
      expect(readFileSync(join(a, name)).equals(readFileSync(join(b, name)))).toBe(true);
    }
  });

  test('invalid results are rejected before anything is written', () => {
    const dir = folder();
    const broken = mutableCopy(loadExampleResults());
    broken.cells[0].n = -1;
    expect(() => renderReport(broken, join(dir, 'out'))).toThrow(ResultsValidationError);
    expect(() => renderReport(broken, join(dir, 'out'))).toThrow(/\$\.cells\[0\]\.n: must be >= 0/);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('runs without assertions, title or command render without those sections', () => {
    const results = mutableCopy(loadExampleResults());
    delete results.assertions;
    delete results.run.title;
    delete results.run.command;
    const md = renderMarkdown(results);
    expect(md).not.toContain('## Spec assertions');
    expect(md).toContain('- Spec assertions: none recorded for this run.');
    expect(md).toMatch(/^# naspoison robustness report: pdarts-rlf-smoke-2025-06-02\n/);
    expect(md).not.toContain('**Command:**');
    expect(renderHtml(results)).toContain('Spec assertions: none recorded for this run.');
  });
});
