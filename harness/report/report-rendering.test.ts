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
    expect(md).toContain('| pdarts | random-label-flip | 50% | none | 3 | 83.30 ± 1.21 | 0.95 ± 1.21 | −4.7 pp | 0.0050 | 0.030 | **significant** |');
    expect(md).toContain('| pdarts | random-label-flip | 10% | none | 3 | 86.73 ± 0.86 | 4.38 ± 0.86 | −1.2 pp | 0.060 | 0.12 | not significant |');
    expect(md).toContain('| pdarts | clean | 0% | none | 3 | 87.97 ± 0.60 | 5.62 ± 0.60 | — | — | — | control |');
    expect(md).toContain('| pdarts | random-label-flip | 50% | loss-sanitisation | 1 (+2 errored) | 85.30 (n = 1) | 2.95 (n = 1) |');
    for (const text of ['83.30 ± 1.21', '0.95 ± 1.21', '0.0050', '0.030', '87.97 ± 0.60']) expect(html).toContain(text);
    expect(html).toContain('<tr class="row-significant" id="cell-pdarts/random-label-flip/0.5/none">');
    expect(html).toContain('<span class="badge badge-significant">significant</span>');
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
      expect(doc).toContain('all 6 distinct hypotheses tested in this run');
      expect(doc).toContain('ΔImp = 0 means the search was no better than drawing an architecture at random');
    }
  });

  test('insufficient-data and MDE sentences reach both formats', () => {
    const results = loadExampleResults();
    for (const doc of [renderMarkdown(results), renderHtml(results)].map(readable)) {
      expect(doc).toContain("Insufficient data for ΔImp (n = 1 poisoned, 3 control; Welch's test needs at least 2 per arm): no verdict");
      expect(doc).toContain('with n = 3 per arm only a drop ≥ 1.9 pp would have been detected with 80% power.');
      expect(doc).toContain('ΔImp fell by 4.7 pp (q = 0.030, g = −3.9): significant.');
    }
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
    expect(md).toMatch(/^# naspoison robustness report: pdarts-rlf-smoke-2025-06-02\n/);
    expect(md).not.toContain('**Command:**');
    expect(renderHtml(results)).not.toContain('spec assertions passed/failed');
  });
});
