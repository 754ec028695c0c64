/**
 * Reading a data file's bytes, decompressing it when it is gzip (detected by the 1f 8b magic
 * bytes, not by the file name).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataFileError } from './errors.js';

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Reads a file and returns its bytes, gunzipped when it is gzip-compressed.
 * @throws DataFileError when the file cannot be read or its gzip stream is corrupt or truncated.
 */
export function readDataFile(path: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : `cannot be read (${code ?? String(err)})`;
    throw new DataFileError(path, why, { cause: err });
  }
  const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  if (!isGzip(bytes)) return bytes;
  try {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new DataFileError(path, `corrupt gzip data (${raw.byteLength} compressed bytes; zlib: ${detail})`, { cause: err });
  }
}
