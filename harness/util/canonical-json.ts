/**
 * Canonical JSON: object keys sorted (by UTF-16 code units) at every depth, `undefined` properties
 * dropped, no whitespace. Equal data always gives equal text, so the text can be hashed into
 * content keys. Values JSON cannot represent faithfully are refused rather than silently changed:
 * non-finite numbers (JSON would write `null`), `undefined` array items, bigints, functions,
 * symbols and non-plain objects (Date, Map, class instances…).
 */

/**
 * The canonical JSON text of `value`.
 *
 * @throws TypeError naming the path (e.g. `$.params.lr`) of a value that has no faithful JSON form
 */
export function canonicalJson(value: unknown): string {
  return encode(value, '$');
}

function encode(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${path} is ${value}, which JSON cannot represent`);
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new TypeError(`canonicalJson: ${path} is a ${typeof value}, which JSON cannot represent`);
  }
  if (Array.isArray(value)) {
    const items: string[] = [];
    value.forEach((item: unknown, i) => {
      if (item === undefined) throw new TypeError(`canonicalJson: ${path}[${i}] is undefined`);
      items.push(encode(item, `${path}[${i}]`));
    });
    // forEach skips holes; a sparse array would otherwise shrink silently.
    if (items.length !== value.length) throw new TypeError(`canonicalJson: ${path} is a sparse array`);
    return `[${items.join(',')}]`;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
    throw new TypeError(`canonicalJson: ${path} is a ${name}, not a plain object`);
  }
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${encode(v, `${path}.${k}`)}`).join(',')}}`;
}
