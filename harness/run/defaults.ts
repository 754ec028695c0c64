/** Defaults shared by the run layer and the CLI (no heavy imports: the CLI's help reads them). */

/** Where results are stored unless --store or NASPOISON_STORE says otherwise. */
export const DEFAULT_STORE_PATH = '.naspoison/store.db';
