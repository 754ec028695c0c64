// The HTML report in a real browser (Debian's Chromium through playwright-core): it renders with
// no console errors, its tables and charts are laid out with real sizes, and nothing is fetched.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { renderReport } from './render.js';
import { loadExampleResults } from './test-utils.js';

const CHROMIUM = process.env.NASPOISON_CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
/** Why the check cannot run here; shown by vitest as the skip's note. */
const MISSING = `${CHROMIUM} not found (apt-get install chromium, or NASPOISON_CHROMIUM=<path>; .ci/run installs it)`;
const dir = mkdtempSync(join(tmpdir(), 'naspoison-browser-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('HTML report in Chromium', () => {
  // Without Chromium the check shows as skipped with its reason, not as a pass.
  test('renders tables and charts without errors or network requests', async (ctx) => {
    ctx.skip(!available, MISSING);
    const { chromium } = await import('playwright-core');
    const written = renderReport(loadExampleResults(), dir);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) requests.push(r.url());
      });
      await page.goto(pathToFileURL(written.html).href);
      const layout = await page.evaluate(() => {
        const box = (el: Element) => el.getBoundingClientRect();
        const svgs = [...document.querySelectorAll('svg')].map((s) => ({ w: box(s).width, h: box(s).height, title: s.querySelector('title')?.textContent ?? '' }));
        const tables = [...document.querySelectorAll('table')].map((t) => ({ rows: t.querySelectorAll('tbody tr').length, w: box(t).width }));
        return { title: document.title, svgs, tables, text: document.body.innerText, scrollWidth: document.documentElement.scrollWidth };
      });
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      expect(layout.title).toBe(loadExampleResults().run.title);
      expect(layout.svgs.length).toBeGreaterThanOrEqual(2);
      for (const svg of layout.svgs) {
        expect(svg.w).toBeGreaterThan(200);
        expect(svg.h).toBeGreaterThan(100);
        expect(svg.title.length).toBeGreaterThan(0);
      }
      expect(layout.tables.length).toBeGreaterThanOrEqual(2);
      expect(layout.tables.every((t) => t.rows > 0 && t.w > 300)).toBe(true);
      expect(layout.text).toContain('ΔImp');
      expect(layout.text).toMatch(/q = 0\.0\d+/);
      // No horizontal overflow at a laptop width.
      expect(layout.scrollWidth).toBeLessThanOrEqual(1280);
      const png = await page.screenshot({ fullPage: true });
      expect(png.length).toBeGreaterThan(20_000);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
