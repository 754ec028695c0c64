/**
 * Reading a command's answer: its stdout must hold exactly one JSON object with a valid NB201
 * genotype string, optional scalar diagnostics and optional panel scores (answer.schema.json).
 * Every problem is reported in words a method's author can act on.
 */
import type { Diagnostics } from '../types.js';
import { genotypeFromString, type Nb201Genotype } from '../../space/genotype.js';
import type { ExecAnswer } from './protocol.js';

/** A parsed, checked answer. */
export interface ParsedAnswer {
  genotype: Nb201Genotype;
  diagnostics: Diagnostics;
  panelScores?: number[];
}

/** An answer that breaks the protocol; the message says how (without naming the command). */
export class AnswerError extends Error {
  override readonly name = 'AnswerError';
}

const KNOWN_FIELDS: ReadonlyArray<keyof ExecAnswer> = ['genotype', 'diagnostics', 'panelScores'];

/** At most `max` characters of `text` for a message, with an ellipsis when cut. */
export function excerpt(text: string, max = 300): string {
  const t = text.trim();
  return t.length <= max ? JSON.stringify(t) : `${JSON.stringify(t.slice(0, max))}… (${t.length} characters)`;
}

/**
 * Parses and checks stdout.
 * @param panelSize the number of panel cells of the request (the length `panelScores` must have)
 * @throws AnswerError naming the problem
 */
export function parseAnswer(stdout: string, panelSize: number): ParsedAnswer {
  if (stdout.trim() === '') throw new AnswerError('printed nothing on stdout; it must print one JSON object such as {"genotype": "|nor_conv_3x3~0|+|…|"}');
  let value: unknown;
  try {
    value = JSON.parse(stdout);
  } catch (error) {
    throw new AnswerError(
      `printed something on stdout that is not JSON (${(error as Error).message}): ${excerpt(stdout)}; stdout must hold one JSON object and nothing else (send progress to stderr)`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AnswerError(`printed JSON that is not an object: ${excerpt(stdout)}; expected {"genotype": "…", "diagnostics": {…}}`);
  }
  const answer = value as Record<string, unknown>;
  const unknown = Object.keys(answer).filter((k) => !(KNOWN_FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new AnswerError(`answered unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}; the answer's fields are ${KNOWN_FIELDS.join(', ')}`);
  if (!('genotype' in answer)) throw new AnswerError(`answered no "genotype": ${excerpt(stdout)}`);
  if (typeof answer.genotype !== 'string') throw new AnswerError(`answered a "genotype" that is not a string (${excerpt(JSON.stringify(answer.genotype))}); expected the string form |op~0|+|op~0|op~1|+|op~0|op~1|op~2|`);
  let genotype: Nb201Genotype;
  try {
    genotype = genotypeFromString(answer.genotype);
  } catch (error) {
    throw new AnswerError(`answered an invalid genotype: ${(error as Error).message}`);
  }

  const diagnostics: Diagnostics = {};
  if (answer.diagnostics !== undefined) {
    const d = answer.diagnostics;
    if (typeof d !== 'object' || d === null || Array.isArray(d)) throw new AnswerError(`answered "diagnostics" that are not an object: ${excerpt(JSON.stringify(d))}`);
    for (const [key, v] of Object.entries(d as Record<string, unknown>)) {
      if (v !== null && typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean') {
        throw new AnswerError(`answered diagnostic "${key}" = ${excerpt(JSON.stringify(v), 80)}; a diagnostic is a number, a string, a boolean or null`);
      }
      diagnostics[key] = v;
    }
  }

  if (answer.panelScores === undefined) return { genotype, diagnostics };
  const scores = answer.panelScores;
  if (!Array.isArray(scores) || !scores.every((s): s is number => typeof s === 'number' && Number.isFinite(s))) {
    throw new AnswerError(`answered "panelScores" that are not a list of finite numbers: ${excerpt(JSON.stringify(scores), 120)}`);
  }
  if (scores.length !== panelSize) throw new AnswerError(`answered ${scores.length} panelScores for a panel of ${panelSize} cells; give one score per request.panel cell, in order`);
  return { genotype, diagnostics, panelScores: scores };
}
