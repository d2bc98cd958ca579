#!/usr/bin/env node
// `npm run build`: compiles src/ to dist/ with tsc (incremental), bundles what `portico` runs into
// dist/bundle/ with esbuild, and stamps the build.
// `--if-stale` does nothing when dist/ is already a build of the current sources (the test setup uses it).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BUNDLE_DIR, buildProblem, SERVER_DIR, STAMP } from './build-state.js';

if (process.argv.includes('--if-stale') && !buildProblem()) process.exit(0);

const require = createRequire(import.meta.url);
let tsc;
let esbuild;
try {
  tsc = require.resolve('typescript/bin/tsc');
  esbuild = require('esbuild');
} catch {
  process.stderr.write('build: TypeScript or esbuild is not installed; install the dev dependencies (npm ci, without --omit=dev) to build Portico.\n');
  process.exit(1);
}
const startedAt = new Date();
try {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: SERVER_DIR, stdio: 'inherit' });
} catch {
  process.stderr.write('build: tsc failed (errors above); dist/ was not stamped.\n');
  process.exit(1);
}

/**
 * Packages left out of the bundle and loaded from node_modules when used: better-sqlite3 is a native
 * addon; pino starts its transports from files beside its own (`__dirname`); `pg` is loaded both
 * through `require` (the store) and `import()` (the change listener), one copy for both, and only on
 * PostgreSQL; pg-native is pg's optional native binding, not installed.
 */
const EXTERNAL = ['better-sqlite3', 'pino', 'pg', 'pg-native'];

/**
 * A module's own location, kept inside the bundle: `import.meta.url`, `__dirname` and `__filename`
 * name the file the module was compiled from (under dist/ or node_modules/), not the chunk it
 * landed in, so paths relative to it (the dashboard's assets, package.json) resolve as before.
 */
const keepFileLocations = {
  name: 'keep-file-locations',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?js$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      const usesUrl = source.includes('import.meta.url');
      const usesDir = /\b__(dirname|filename)\b/.test(source) && !/\b(var|let|const)\s+__(dirname|filename)\b/.test(source);
      if (!usesUrl && !usesDir) return undefined;
      // Through a helper from the banner: `import.meta` in a CommonJS file would make it an ES module.
      const location = `__porticoLocation(${JSON.stringify(path.relative(BUNDLE_DIR, args.path).split(path.sep).join('/'))})`;
      let contents = usesUrl ? source.replaceAll('import.meta.url', location) : source;
      if (usesDir) {
        // After a shebang line, if any. (A file that declares its own `__dirname` anywhere is left
        // alone: its top-level one is then an ES module's, built from `import.meta.url` above.)
        const shebang = contents.startsWith('#!') ? contents.slice(0, contents.indexOf('\n') + 1) : '';
        contents = `${shebang}var __filename = __porticoFileUrlToPath(${location}), __dirname = __porticoDirname(__filename);\n${contents.slice(shebang.length)}`;
      }
      return { contents, loader: 'js' };
    });
  },
};

let result;
try {
  result = await esbuild.build({
    absWorkingDir: SERVER_DIR,
    entryPoints: { main: 'dist/cli/main.js' },
    outdir: BUNDLE_DIR,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    plugins: [keepFileLocations],
    // CommonJS packages inside an ES module bundle still call require() for Node's built-ins;
    // `__porticoLocation` is the URL of a bundled file (keepFileLocations).
    banner: {
      js: [
        "import { createRequire as __porticoCreateRequire } from 'node:module';",
        "import { fileURLToPath as __porticoFileUrlToPath } from 'node:url';",
        "import { dirname as __porticoDirname } from 'node:path';",
        'const require = __porticoCreateRequire(import.meta.url);',
        'const __porticoLocation = (file) => new URL(file, import.meta.url).href;',
      ].join('\n'),
    },
    // Without whitespace the source text V8 keeps for the loaded code is a third smaller (~2.5 MB of
    // idle memory). Stack traces then point into long lines; the source maps beside the bundle lead
    // back to src/ with `NODE_OPTIONS=--enable-source-maps`.
    minifyWhitespace: true,
    // Classes keep their names (`err.constructor.name` in logs), though the bundle holds several of one name.
    keepNames: true,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
} catch {
  process.stderr.write('build: esbuild failed (errors above); dist/ was not stamped.\n');
  process.exit(1);
}
pruneOldChunks(Object.keys(result.metafile.outputs).map((file) => path.basename(file)));

/**
 * A server still running the previous build loads some of its chunks on first use, and chunk names
 * carry a hash of their contents: so the previous build's files stay beside this one's, and only
 * older ones are removed. `.files` lists the files of the last build.
 */
function pruneOldChunks(current) {
  const list = path.join(BUNDLE_DIR, '.files');
  const previous = fs.existsSync(list) ? fs.readFileSync(list, 'utf8').split('\n').filter(Boolean) : [];
  const keep = new Set([...current, ...previous, '.files']);
  for (const name of fs.readdirSync(BUNDLE_DIR)) {
    if (!keep.has(name)) fs.rmSync(path.join(BUNDLE_DIR, name), { force: true });
  }
  fs.writeFileSync(list, `${current.join('\n')}\n`);
}

// The stamp carries the time the compile started, so a source saved during it still reads as newer.
fs.writeFileSync(STAMP, `${startedAt.toISOString()}\n`);
fs.utimesSync(STAMP, startedAt, startedAt);
