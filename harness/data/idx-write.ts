/**
 * Writer for IDX files (the inverse of idx.ts): used by the fixture script and by tests that
 * write small files in the real format.
 */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

/**
 * Encodes uint8 data as IDX bytes: magic `0x000008<ndims>`, big-endian uint32 dimensions, data.
 * @throws RangeError when the data length is not the product of the dimensions.
 */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`encodeIdx: dims ${dims.join('×')} need ${count} bytes, got ${data.length}`);
  if (dims.length < 1 || dims.length > 255) throw new RangeError(`encodeIdx: 1..255 dimensions, got ${dims.length}`);
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x00000800 | dims.length, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, header);
  return out;
}

/**
 * Writes an IDX file, gzip-compressed (level 9, deterministic output for a given zlib) when
 * `gzip` is true, and returns the bytes written.
 */
export function writeIdxFile(path: string, dims: readonly number[], data: Uint8Array, gzip: boolean): Uint8Array {
  const raw = encodeIdx(dims, data);
  const bytes = gzip ? new Uint8Array(gzipSync(raw, { level: 9 })) : raw;
  writeFileSync(path, bytes);
  return bytes;
}
