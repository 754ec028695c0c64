/**
 * Setup file of the vitest `bench` project: installs naspoison's matchers. An undecided assertion
 * is skipped with its reason ("underpowered at this tier"), or fails under `--strict`
 * (NASPOISON_STRICT=1, set by `naspoison run --strict`).
 */
import { installMatchers } from './matchers.js';

installMatchers({ underpowered: process.env.NASPOISON_STRICT === '1' ? 'fail' : 'skip' });
