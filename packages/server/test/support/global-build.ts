import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Vitest global setup: tests that spawn `portico` run bin/portico.js, which runs the compiled
 * dist/. Build it first if it is missing or older than src/ (tsc incremental), so every test run,
 * `npm test` or a single file, tests what ships.
 */
export default function setup(): void {
  const script = path.resolve(import.meta.dirname, '../../scripts/build.js');
  execFileSync(process.execPath, [script, '--if-stale'], { stdio: 'inherit' });
}
