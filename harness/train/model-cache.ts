/**
 * Trained models cached by content: a key that names everything that determines the weights (data
 * hash, architecture, recipe, seed, backend) maps to the serialised weights and running statistics,
 * so a surrogate or a sanitisation model is trained once per store, whichever process needs it.
 */
import type * as tf from '@tensorflow/tfjs';

/** A persistent key → text cache (the store's cache table implements it: harness/run/model-cache.ts). */
export interface ModelCache {
  get(key: string): string | undefined;
  put(key: string, value: string, meta?: Readonly<Record<string, unknown>>): void;
}

/** Serialised variables: shapes and float32 values (base64), in variable order. */
export interface SerialisedVariables {
  format: 'naspoison.variables.v1';
  shapes: number[][];
  data: string;
}

/** Reads the variables' values (asynchronously: every backend can) into one serialised record. */
export async function serialiseVariables(variables: readonly tf.Variable[]): Promise<SerialisedVariables> {
  const arrays = await Promise.all(variables.map((v) => v.data() as Promise<Float32Array>));
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const all = new Float32Array(total);
  let offset = 0;
  for (const a of arrays) {
    all.set(a, offset);
    offset += a.length;
  }
  return { format: 'naspoison.variables.v1', shapes: variables.map((v) => [...v.shape]), data: Buffer.from(all.buffer, all.byteOffset, all.byteLength).toString('base64') };
}

/**
 * Assigns serialised values to `variables` (same order and shapes as when serialised).
 *
 * @throws Error naming the first variable whose shape differs, or a value count that does not match
 */
export function restoreVariables(variables: readonly tf.Variable[], record: SerialisedVariables, tfjs: typeof tf, what: string): void {
  // The record comes from JSON.parse of a stored text: `null` or a number parse too.
  if (record === null || typeof record !== 'object' || record.format !== 'naspoison.variables.v1' || !Array.isArray(record.shapes) || typeof record.data !== 'string') {
    throw new Error(`cached model ${what} is corrupt: not a naspoison.variables.v1 record`);
  }
  if (record.shapes.length !== variables.length) throw new Error(`cached model ${what} is corrupt: ${record.shapes.length} variables, the network has ${variables.length}`);
  const bytes = Buffer.from(record.data, 'base64');
  // A Float32Array over a truncated buffer would throw a RangeError that names no model.
  if (bytes.length % 4 !== 0) throw new Error(`cached model ${what} is corrupt: ${bytes.length} bytes of values, not a whole number of float32s`);
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  const values = new Float32Array(copy);
  let offset = 0;
  variables.forEach((v, i) => {
    const shape: unknown = record.shapes[i];
    if (!Array.isArray(shape)) throw new Error(`cached model ${what} is corrupt: variable ${i} has no shape`);
    if (shape.join('×') !== v.shape.join('×')) throw new Error(`cached model ${what} is corrupt: variable ${i} has shape ${shape.join('×')}, the network's is ${v.shape.join('×')}`);
    const size = v.size;
    if (offset + size > values.length) throw new Error(`cached model ${what} is corrupt: ${values.length} values for more variables`);
    const value = tfjs.tensor(values.subarray(offset, offset + size), v.shape);
    v.assign(value);
    value.dispose();
    offset += size;
  });
  if (offset !== values.length) throw new Error(`cached model ${what} is corrupt: ${values.length - offset} values left over`);
}
