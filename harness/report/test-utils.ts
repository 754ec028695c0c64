/**
 * Shared helpers of the harness/report tests: the fixture, temporary folders, and a small XML
 * well-formedness checker for the SVG charts (no DOM, no regular-expression parsing of markup: a
 * character-level tokenizer with a tag stack). Not part of the public entry.
 *
 * @module
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResults } from './types.js';

/** Path of the fixture results JSON. */
export const EXAMPLE_RESULTS_PATH = new URL('./fixtures/example-results.json', import.meta.url);

/** A fresh parsed copy of the fixture (mutate freely). */
export function loadExampleResults(): RunResults {
  return JSON.parse(readFileSync(EXAMPLE_RESULTS_PATH, 'utf8')) as RunResults;
}

/** A deep, mutable copy of a results object (for building broken variants). */
export function mutableCopy(results: RunResults): any {
  return JSON.parse(JSON.stringify(results));
}

/** Creates a temporary folder; returns it and a cleanup function. */
export function tempFolder(prefix = 'naspoison-report-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const NAME_START = /[A-Za-z_:]/;
const NAME_CHAR = /[-A-Za-z0-9_:.]/;
const XML_ENTITIES = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

/** Statistics of a well-formed XML document, returned by {@link checkWellFormedXml}. */
export interface XmlOutline {
  /** Name of the root element. */
  readonly root: string;
  /** Number of elements. */
  readonly elements: number;
  /** Element names in document order. */
  readonly names: readonly string[];
}

/**
 * Checks that `text` is one well-formed XML element (plus surrounding whitespace, comments or an XML
 * declaration): balanced and properly nested tags, quoted and unique attributes, no raw `<` in text
 * or attribute values, and `&` only as a predefined or numeric entity.
 *
 * @throws Error naming the offset and the problem.
 */
export function checkWellFormedXml(text: string): XmlOutline {
  let i = 0;
  const stack: string[] = [];
  const names: string[] = [];
  let root: string | null = null;
  let rootClosed = false;
  const fail = (message: string): never => {
    throw new Error(`not well-formed XML at offset ${i}: ${message} (near ${JSON.stringify(text.slice(Math.max(0, i - 30), i + 30))})`);
  };
  const readName = (): string => {
    const start = i;
    if (!NAME_START.test(text[i] ?? '')) fail('expected a name');
    i++;
    while (i < text.length && NAME_CHAR.test(text[i] as string)) i++;
    return text.slice(start, i);
  };
  const skipSpace = (): boolean => {
    const start = i;
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    return i > start;
  };
  const checkEntity = (): void => {
    // text[i] === '&'
    const end = text.indexOf(';', i);
    if (end < 0) fail('unterminated entity');
    const body = text.slice(i + 1, end);
    const ok = XML_ENTITIES.has(body) || /^#[0-9]+$/.test(body) || /^#x[0-9A-Fa-f]+$/.test(body);
    if (!ok) fail(`unknown entity &${body};`);
    i = end + 1;
  };

  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '<') {
      if (text.startsWith('<!--', i)) {
        const end = text.indexOf('-->', i + 4);
        if (end < 0) fail('unterminated comment');
        i = end + 3;
      } else if (text.startsWith('<?', i)) {
        const end = text.indexOf('?>', i + 2);
        if (end < 0) fail('unterminated processing instruction');
        i = end + 2;
      } else if (text.startsWith('<![CDATA[', i)) {
        if (stack.length === 0) fail('CDATA outside the root element');
        const end = text.indexOf(']]>', i);
        if (end < 0) fail('unterminated CDATA');
        i = end + 3;
      } else if (text[i + 1] === '/') {
        i += 2;
        const name = readName();
        skipSpace();
        if (text[i] !== '>') fail(`expected > to close </${name}`);
        i++;
        const open = stack.pop();
        if (open !== name) fail(`</${name}> closes <${open ?? '(nothing)'}>`);
        if (stack.length === 0) rootClosed = true;
      } else {
        i++;
        if (rootClosed) fail('a second root element');
        const name = readName();
        names.push(name);
        if (root === null) root = name;
        const seen = new Set<string>();
        for (;;) {
          const spaced = skipSpace();
          if (text.startsWith('/>', i)) {
            i += 2;
            if (stack.length === 0) rootClosed = true;
            break;
          }
          if (text[i] === '>') {
            i++;
            stack.push(name);
            break;
          }
          if (!spaced) fail(`expected whitespace before an attribute of <${name}>`);
          const attr = readName();
          if (seen.has(attr)) fail(`duplicate attribute ${attr} on <${name}>`);
          seen.add(attr);
          skipSpace();
          if (text[i] !== '=') fail(`attribute ${attr} has no value`);
          i++;
          skipSpace();
          const quote = text[i];
          if (quote !== '"' && quote !== "'") fail(`attribute ${attr} is not quoted`);
          i++;
          while (text[i] !== quote) {
            if (i >= text.length) fail(`unterminated value of ${attr}`);
            if (text[i] === '<') fail(`raw < in the value of ${attr}`);
            if (text[i] === '&') checkEntity();
            else i++;
          }
          i++;
        }
      }
    } else if (ch === '&') {
      if (stack.length === 0) fail('text outside the root element');
      checkEntity();
    } else {
      if (stack.length === 0 && !/\s/.test(ch)) fail('text outside the root element');
      if (ch === '>' && text.startsWith(']]>', i - 2)) fail(']]> in text');
      i++;
    }
  }
  if (stack.length > 0) fail(`unclosed <${stack[stack.length - 1] as string}>`);
  if (root === null) fail('no root element');
  return { root: root as string, elements: names.length, names };
}

/** Every `<svg …>…</svg>` block of an HTML page, in order (assumes no nested `<svg>`). */
export function extractSvgs(html: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (;;) {
    const start = html.indexOf('<svg', from);
    if (start < 0) return out;
    const end = html.indexOf('</svg>', start);
    if (end < 0) throw new Error('unterminated <svg> in HTML');
    out.push(html.slice(start, end + '</svg>'.length));
    from = end + '</svg>'.length;
  }
}

/**
 * Text as a reader sees it, for assertions on content: the entities handlebars writes (`&#x3D;`,
 * `&#x27;`, `&#x60;`, `&quot;`, `&lt;`, `&gt;`, `&amp;`) decoded and runs of whitespace collapsed.
 * Tags are kept.
 */
export function readable(doc: string): string {
  return doc
    .replace(/&#x3D;/g, '=')
    .replace(/&#x27;/g, "'")
    .replace(/&#x60;/g, '`')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}
