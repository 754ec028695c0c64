#!/usr/bin/env node
// Entry point: registers tsx (TypeScript without a build step), then runs the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../harness/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
