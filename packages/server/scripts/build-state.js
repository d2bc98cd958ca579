// Whether dist/ holds a build of the current src/: shared by bin/portico.js (refuses a stale build)
// and scripts/build.js (skips an up-to-date one). Plain JavaScript: it runs before anything is built.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Written by scripts/build.js after a successful tsc run; its mtime is when that run started. */
export const STAMP = path.join(SERVER_DIR, 'dist', '.build-stamp');
/** What `portico` runs: the compiled server bundled into a few files (scripts/build.js). */
export const BUNDLE_DIR = path.join(SERVER_DIR, 'dist', 'bundle');
// The bundle holds the dependencies' code as installed when it was built: a changed lockfile
// (npm install or update, which do not build) or build script makes it stale too.
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.js', '../../package-lock.json'];

/** The newest input file (sources and compiler options) and its mtime; none in an install without sources. */
function newestInput() {
  let newest = { file: '', mtimeMs: 0 };
  const visit = (file) => {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(file)) visit(path.join(file, name));
    } else if (stat.mtimeMs > newest.mtimeMs) {
      newest = { file, mtimeMs: stat.mtimeMs };
    }
  };
  for (const input of INPUTS) visit(path.join(SERVER_DIR, input));
  return newest;
}

/** Why dist/ cannot be run as it is (missing, or older than a source file), or undefined when it can. */
export function buildProblem() {
  const stamp = fs.statSync(STAMP, { throwIfNoEntry: false });
  if (!stamp || !fs.existsSync(path.join(BUNDLE_DIR, 'main.js'))) {
    return `there is no build in ${path.relative(process.cwd(), path.join(SERVER_DIR, 'dist')) || 'dist'}`;
  }
  const newest = newestInput();
  if (newest.mtimeMs > stamp.mtimeMs) {
    return `the build in dist/ is older than ${path.relative(SERVER_DIR, newest.file)}`;
  }
  return undefined;
}
