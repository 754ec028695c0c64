import { describe, expect, test } from 'vitest';
import { accuracyChart, deltaImprovementChart, deltaImprovementCharts, escapeXml, niceTicks } from './charts.js';
import { checkWellFormedXml, loadExampleResults, mutableCopy } from './test-utils.js';

describe('SVG charts', () => {
  test('are well-formed XML with an accessible title and description', () => {
    const results = loadExampleResults();
    const charts = [...deltaImprovementCharts(results).map((c) => c.svg), accuracyChart(results)];
    expect(charts).toHaveLength(3);
    for (const svg of charts) {
      const outline = checkWellFormedXml(svg);
      expect(outline.root).toBe('svg');
      expect(outline.names.slice(0, 3)).toEqual(['svg', 'title', 'desc']);
      const labelled = /aria-labelledby="([^"]+) ([^"]+)"/.exec(svg);
      expect(labelled).not.toBeNull();
      expect(svg).toContain(`<title id="${labelled?.[1]}">`);
      expect(svg).toContain(`<desc id="${labelled?.[2]}">`);
      expect(svg).toContain('role="img"');
      expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    }
  });

  test('the ΔImp chart draws the random baseline at 0, one mean ± sd per cell, and stars the significant drops', () => {
    const results = loadExampleResults();
    const svg = deltaImprovementChart(results, 'random-label-flip', 'none');
    expect(svg).toContain('random baseline (ΔImp = 0)');
    expect(svg).toContain('stroke-dasharray="6 4"');
    expect(svg.match(/<g><title>/g)).toHaveLength(4); // control + 3 budgets
    expect(svg.match(/>\*<\/text>/g)).toHaveLength(1); // only 50% is significant
    expect(svg).toContain('pdarts: control 5.6 ± 0.6 pp (n = 3); 1% 5.5 ± 0.6 pp (n = 3); 10% 4.4 ± 0.9 pp (n = 3); 50% 1.0 ± 1.2 pp (n = 3)');
    for (const label of ['control', '1%', '10%', '50%', 'ΔImp (pp)']) expect(svg).toContain(`>${label}</text>`);
  });

  test('the accuracy chart has one row per cell and the random baseline band', () => {
    const svg = accuracyChart(loadExampleResults());
    expect(svg.match(/<g><title>/g)).toHaveLength(5);
    expect(svg).toContain('random baseline 82.35 ± 4.87%');
    expect(svg).toContain('>85.30 (n = 1)</text>');
  });

  test('are deterministic: same results, same bytes — whatever the order of cells and comparisons', () => {
    const a = loadExampleResults();
    const b = mutableCopy(loadExampleResults());
    b.cells.reverse();
    b.comparisons.reverse();
    expect(accuracyChart(b)).toBe(accuracyChart(a));
    expect(deltaImprovementCharts(b).map((c) => c.svg)).toEqual(deltaImprovementCharts(a).map((c) => c.svg));
    expect(accuracyChart(a)).toBe(accuracyChart(loadExampleResults()));
  });

  test('nice ticks cover the range in evenly spaced round steps', () => {
    const { ticks, decimals } = niceTicks(-0.23, 6.2, 6);
    expect(ticks).toEqual([-2, 0, 2, 4, 6, 8]);
    expect(decimals).toBe(0);
    expect(niceTicks(76.1, 89.2, 6)).toEqual({ ticks: [75, 77.5, 80, 82.5, 85, 87.5, 90], decimals: 1 });
    expect(niceTicks(0.11, 0.19, 4)).toEqual({ ticks: [0.1, 0.12, 0.14, 0.16, 0.18, 0.2], decimals: 2 });
    expect(niceTicks(5, 5).ticks.length).toBeGreaterThan(1);
  });

  test('escapeXml escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
  });
});

describe('the well-formedness checker used above', () => {
  test('accepts nested elements, entities, comments and self-closing tags', () => {
    expect(checkWellFormedXml('<?xml version="1.0"?>\n<svg a="1" b=\'&amp;\'><!-- c --><g><path d="M0 0"/>x &lt; y &#8722;</g></svg>\n')).toEqual({
      root: 'svg',
      elements: 3,
      names: ['svg', 'g', 'path'],
    });
  });

  test.each([
    ['<svg><g></svg>', /<\/svg> closes <g>/],
    ['<svg><g>', /unclosed <g>/],
    ['<svg a=1></svg>', /not quoted/],
    ['<svg a="1" a="2"></svg>', /duplicate attribute a/],
    ['<svg>a & b</svg>', /unknown entity|unterminated entity/],
    ['<svg a="<"></svg>', /raw < in the value/],
    ['<svg></svg><svg></svg>', /a second root element/],
    ['text<svg></svg>', /text outside the root/],
    ['', /no root element/],
  ])('rejects %j', (xml, message) => {
    expect(() => checkWellFormedXml(xml)).toThrow(message);
  });
});
