import { describe, expect, test } from 'vitest';
import type { TrialRecord } from '../store/types.js';
import { buildRunResults } from './build.js';
import { accuracyChart, deltaImprovementCharts } from './charts.js';
import { exampleTrials } from './fixtures/example-trials.js';
import { renderHtml, renderMarkdown } from './render.js';
import { checkWellFormedXml, extractSvgs } from './test-utils.js';

const EVIL_NAS = '<script>alert("nas")</script>';
const EVIL_ATTACK = 'flip|*_[x]`y`';
const EVIL_DEFENCE = "a&b'c";
const EVIL_TITLE = '<img src=x onerror=alert(1)>';

function maliciousResults() {
  const trials = exampleTrials().map(
    (t): TrialRecord => ({ ...t, nas: EVIL_NAS, attack: t.attack === 'clean' ? 'clean' : EVIL_ATTACK, defence: t.defence === 'none' ? 'none' : EVIL_DEFENCE }),
  );
  return buildRunResults(trials, {
    protocolVersion: 'p</title><script>1</script>',
    run: {
      id: 'run"><script>2</script>',
      title: EVIL_TITLE,
      createdAt: '2025-01-31T12:00:00Z',
      dataset: { name: '<b>data</b>', source: 'x', hash: 'h', trainSize: 10, testSize: 10, resolution: 8 },
    },
    randomBaseline: { samples: 24, mean: 82.35, sd: 4.87, recipe: '<i>recipe</i>' },
    assertions: [
      { file: 'a.spec.ts', name: '<script>alert("assert")</script>', status: 'failed', message: '</td></tr><script>3</script>', verdicts: [] },
      {
        file: 'b.spec.ts',
        name: 'underpowered | *gate*',
        status: 'underpowered',
        message: '<script>4</script>',
        verdicts: [
          { matcher: 'toBeNoWorseThan', isNot: false, sample: '<b>a</b>', reference: 'b', metric: '<i>m</i>', verdict: 'inconclusive', decided: false, margin: 1, p: 0.4, q: 0.4, marginP: 0.3, marginQ: 0.3, mde: 6.2, trialsNeeded: 34, nA: 3, nB: 3 },
        ],
      },
    ],
    methods: [{ nas: EVIL_NAS, description: '<img src=y onerror=alert(2)>', deviations: ['<script>5</script> | *x*'] }],
    calibration: {
      tier: '<script>6</script>',
      recipe: 'r|x',
      random: { n: 24, mean: 82.35, sd: 4.87 },
      seedNoise: { cell: '<script>7</script>', n: 5, sd: 0.7, mean: 80 },
      references: [{ name: '<b>ref</b>', genotype: '|a~0|', n: 5, mean: 88, sd: null }],
      headroom: 5.65,
      createdAt: '2025-01-31T12:00:00Z',
    },
  });
}

describe('escaping names that look like markup', () => {
  test('HTML escapes every name, title and message (no script or injected element survives)', () => {
    const html = renderHtml(maliciousResults());
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>ref');
    expect(html).not.toContain('<i>m</i>');
    expect(html).toContain('&lt;script&gt;5&lt;/script&gt; | *x*');
    expect(html).not.toContain('<b>data');
    expect(html).not.toContain('<i>recipe');
    expect(html).toContain('&lt;script&gt;alert(&quot;nas&quot;)&lt;/script&gt;');
    expect(html).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    expect(html).toContain('a&amp;b&#x27;c');
  });

  test('Markdown escapes markup and the characters that would break tables or emphasis', () => {
    const md = renderMarkdown(maliciousResults());
    expect(md).not.toMatch(/<script/i);
    expect(md).not.toContain('<img');
    expect(md).toContain('&lt;script&gt;alert("nas")&lt;/script&gt;');
    expect(md).toContain('flip\\|\\*\\_\\[x\\]\\`y\\`');
    expect(md).toContain('a&amp;b\'c');
    // Every row of every table still has its header's number of cells.
    const counts = (line: string): number => line.replace(/\\\|/g, '').split('|').length;
    let header = 0;
    let rows = 0;
    for (const line of md.split('\n')) {
      if (!line.startsWith('|')) {
        header = 0;
        continue;
      }
      if (header === 0) header = counts(line);
      else {
        expect(counts(line), line).toBe(header);
        rows++;
      }
    }
    expect(rows).toBe(22); // run 1, cells 5, comparisons 8, defences 1, assertions 2, plus 5 separator lines
    expect(md).toContain('- &lt;script&gt;5&lt;/script&gt; \\| \\*x\\*');
    expect(md).toContain('&lt;i&gt;m&lt;/i&gt;: only a shift ≥ 6.2 detectable at n = 3; about 34 trials per arm would decide it at δ = 1');
  });

  test('the SVG charts escape names and stay well-formed XML', () => {
    const results = maliciousResults();
    const svgs = [...deltaImprovementCharts(results).map((c) => c.svg), accuracyChart(results)];
    for (const svg of svgs) {
      expect(svg).not.toMatch(/<script/i);
      expect(checkWellFormedXml(svg).root).toBe('svg');
    }
    expect(svgs.join('\n')).toContain('&lt;script&gt;alert(&quot;nas&quot;)&lt;/script&gt;');
    for (const svg of extractSvgs(renderHtml(results))) expect(() => checkWellFormedXml(svg)).not.toThrow();
  });
});
