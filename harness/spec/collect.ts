/**
 * The collection pass of a sharded run: vitest imports the bench project's spec files (selected by
 * the filters) and runs their `describe` bodies — so every `poisoningMatrix(…)` is declared and
 * validated — without running a hook or a test, and hands back what each file declared (the
 * `naspoisonMatrices` of its task meta). Nothing is trained.
 */
import { relative } from 'node:path';
import type { ValidMatrixSpec } from '../run/matrix.js';

/** A matrix one spec file declares. */
export interface CollectedMatrix {
  /** Spec file, relative to `root`. */
  file: string;
  label: string;
  spec: ValidMatrixSpec;
}

/** What the collection found. */
export interface Collection {
  /** Spec files collected, relative to `root`, in vitest's order. */
  files: string[];
  matrices: CollectedMatrix[];
  /** Files that failed to load or to declare (the message names the file); empty when all loaded. */
  errors: string[];
}

/**
 * Collects the bench project's spec files matching `filters` (all when empty).
 *
 * @param root paths in the result are relative to it (the project root)
 */
export async function collectDeclaredMatrices(filters: readonly string[], root: string = process.cwd()): Promise<Collection> {
  const { createVitest } = await import('vitest/node');
  const vitest = await createVitest('test', { project: ['bench'], run: true, watch: false, reporters: [], isolate: false });
  try {
    const { testModules, unhandledErrors } = await vitest.collect([...filters], { staticParse: false });
    const files: string[] = [];
    const matrices: CollectedMatrix[] = [];
    const errors: string[] = [];
    for (const module of testModules) {
      const file = relative(root, module.moduleId);
      files.push(file);
      for (const e of module.errors()) errors.push(`${file}: ${e.message}`);
      for (const m of module.meta().naspoisonMatrices ?? []) matrices.push({ file, label: m.label, spec: m.spec });
    }
    for (const e of unhandledErrors) errors.push((e as { message?: string }).message ?? String(e));
    return { files, matrices, errors };
  } finally {
    await vitest.close();
  }
}
