/**
 * A plugin's settings: each plugin owns the JSON Schema of its tier block (a `settings.schema.json`
 * in its own folder) and its defaults; the tier schema knows no plugin's fields. {@link settingsSchema}
 * compiles such a schema (ajv, strict) into a checker whose mistakes name their JSON path within the
 * block, so that the tier loader can name them within the tier (`/nas/pdarts/stages/1/epochs …`).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';

/** One mistake in a settings block: its JSON path within the block ('' for the block) and what is wrong. */
export interface SettingsIssue {
  readonly path: string;
  readonly message: string;
}

/** A settings block that a plugin refuses, with every mistake by its path within the block. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';

  constructor(
    readonly plugin: string,
    readonly issues: readonly SettingsIssue[],
  ) {
    super(`${plugin}: ${issues.map((i) => `${i.path || '(block)'} ${i.message}`).join('; ')}`);
  }
}

/** Whether `error` is a {@link SettingsError} (also one from another copy of this module). */
export function isSettingsError(error: unknown): error is SettingsError {
  return error instanceof Error && error.name === 'SettingsError' && Array.isArray((error as Partial<SettingsError>).issues);
}

/**
 * ajv's errors as issues: an unknown property, and a property whose name is refused, are named
 * themselves, not the object that holds them.
 */
export function schemaIssues(errors: readonly ErrorObject[] | null | undefined): SettingsIssue[] {
  // A refused property name comes as two errors: the name's own (with `propertyName`) and the
  // object's "property name must be valid"; the first says it all.
  return (errors ?? []).filter((e) => e.keyword !== 'propertyNames').map((e) => {
    if (e.propertyName !== undefined) return { path: `${e.instancePath}/${e.propertyName}`, message: `is not a valid name: it ${e.message ?? 'is invalid'}` };
    if (e.keyword === 'additionalProperties' && e.params && 'additionalProperty' in e.params) {
      return { path: `${e.instancePath}/${String(e.params.additionalProperty)}`, message: 'is not a known property' };
    }
    const allowed = e.params && 'allowedValues' in e.params ? ` (${String(e.params.allowedValues)})` : '';
    return { path: e.instancePath, message: `${e.message ?? 'is invalid'}${allowed}` };
  });
}

/** A compiled settings schema. */
export interface SettingsSchema<Block> {
  /** The plugin it belongs to (the prefix of its messages). */
  readonly plugin: string;
  /** The JSON Schema itself (draft-07). */
  readonly schema: Readonly<Record<string, unknown>>;
  /**
   * Checks a tier block against the schema and returns it (not copied, not changed).
   *
   * @throws SettingsError naming every mistake by its JSON path within the block
   */
  check(block: unknown): Block;
  /** Refuses a block for a rule the schema cannot express. @throws SettingsError, always */
  fail(path: string, message: string): never;
}

/**
 * Compiles a plugin's settings schema. `schema` is the schema object, or the URL of a JSON file
 * holding it (e.g. `new URL('./settings.schema.json', import.meta.url)`).
 */
export function settingsSchema<Block>(plugin: string, schema: Readonly<Record<string, unknown>> | URL): SettingsSchema<Block> {
  const json = schema instanceof URL ? (JSON.parse(readFileSync(fileURLToPath(schema), 'utf8')) as Record<string, unknown>) : schema;
  // One ajv per schema: plugins compile theirs independently (no shared $id space to collide in).
  const validate = new Ajv({ allErrors: true, strict: true }).compile<Block>(json);
  return {
    plugin,
    schema: json,
    check(block: unknown): Block {
      if (!validate(block)) throw new SettingsError(plugin, schemaIssues(validate.errors));
      return block;
    },
    fail(path: string, message: string): never {
      throw new SettingsError(plugin, [{ path, message }]);
    },
  };
}
