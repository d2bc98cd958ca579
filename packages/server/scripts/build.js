#!/usr/bin/env node
// `npm run build`: compiles src/ to dist/ with tsc (incremental) and stamps the build.
// `--if-stale` does nothing when dist/ is already a build of the current sources (the test setup uses it).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { buildProblem, SERVER_DIR, STAMP } from './build-state.js';

if (process.argv.includes('--if-stale') && !buildProblem()) process.exit(0);

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  process.stderr.write('build: TypeScript is not installed; install the dev dependencies (npm ci, without --omit=dev) to build Portico.\n');
  process.exit(1);
}
const startedAt = new Date();
try {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: SERVER_DIR, stdio: 'inherit' });
} catch {
  process.stderr.write('build: tsc failed (errors above); dist/ was not stamped.\n');
  process.exit(1);
}
// The stamp carries the time the compile started, so a source saved during it still reads as newer.
fs.writeFileSync(STAMP, `${startedAt.toISOString()}\n`);
fs.utimesSync(STAMP, startedAt, startedAt);
