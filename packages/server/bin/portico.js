#!/usr/bin/env node
// Runs the compiled server bundled in dist/bundle/ (built by `npm ci`, or `npm run build` after changing src/).
import { buildProblem } from '../scripts/build-state.js';

const problem = buildProblem();
if (problem) {
  process.stderr.write(`portico: ${problem}; run npm run build\n`);
  process.exit(1);
}
const { main } = await import('../dist/bundle/main.js');
const code = await main(process.argv.slice(2));
if (code !== 0 || !process.argv.includes('serve')) process.exitCode = code;
