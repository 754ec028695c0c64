/**
 * Runs many CLI invocations in one process, one after another, for tests of refused inputs: each
 * gets its own argv and environment overrides, its stdout and stderr captured, and the exit code
 * `main` returns (what bin/naspoison.mjs exits with). Loading the CLI once instead of once per case
 * (tsx, TF.js, the store: about 2 s a process) keeps a corpus of dozens of cases fast.
 *
 * Usage: node --import tsx harness/cli/testing/cli-batch.ts <cases.json> <results.json>
 * cases.json: [{ "argv": [...], "env": { "NAME": "value" | null } }]; null unsets a variable.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { main } from '../main.js';

interface BatchCase {
  argv: string[];
  env?: Record<string, string | null>;
}

/** What one invocation did. */
export interface BatchResult {
  code: number;
  stdout: string;
  stderr: string;
}

const [casesFile, resultsFile] = process.argv.slice(2);
if (casesFile === undefined || resultsFile === undefined) {
  process.stderr.write('usage: cli-batch.ts <cases.json> <results.json>\n');
  process.exit(2);
}
const cases = JSON.parse(readFileSync(casesFile, 'utf8')) as BatchCase[];
const results: BatchResult[] = [];
const realStdout = process.stdout.write.bind(process.stdout);
const realStderr = process.stderr.write.bind(process.stderr);

for (const c of cases) {
  const saved = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(c.env ?? {})) {
    saved.set(name, process.env[name]);
    if (value === null) delete process.env[name];
    else process.env[name] = value;
  }
  let stdout = '';
  let stderr = '';
  // Everything the command prints goes through the streams' write (console included).
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += chunk.toString()), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += chunk.toString()), true)) as typeof process.stderr.write;
  let code: number;
  try {
    code = await main(c.argv);
  } catch (error) {
    // main never throws; if it did, that is a finding for the test, not a crash of the batch.
    stderr += `main threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`;
    code = -1;
  } finally {
    process.stdout.write = realStdout;
    process.stderr.write = realStderr;
    process.exitCode = 0;
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  results.push({ code, stdout, stderr });
}
writeFileSync(resultsFile, JSON.stringify(results));
