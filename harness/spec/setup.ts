/**
 * Setup file of the vitest `bench` project, run in each spec process before its spec file: imports
 * the run's plugin modules — those of the run configuration (`naspoison run --plugin`) and every
 * `*.plugin.ts` beside the spec file (harness/run/plugins.ts) — so that the NAS methods they
 * register are known here and in the trial workers this process starts, and installs naspoison's
 * matchers. An undecided assertion is skipped with its reason ("underpowered at this tier"), or
 * fails under `--strict` (the configuration's `strict`).
 */
import { TestRunner } from 'vitest';
import { ambientRunConfig } from '../run/config.js';
import { importPluginModules, pluginModulesBeside } from '../run/plugins.js';
import { installMatchers } from './matchers.js';

const config = ambientRunConfig();
const specFile = TestRunner.getCurrentSuite()?.file?.filepath;
await importPluginModules([...config.plugins, ...(specFile === undefined ? [] : pluginModulesBeside(specFile))]);
installMatchers({ underpowered: config.strict ? 'fail' : 'skip' });
