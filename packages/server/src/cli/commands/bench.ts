import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../args.ts';

/** Runs the benchmark of a source checkout (bench/run.ts) with the same arguments. */
export async function bench(args: string[]): Promise<void> {
  const script = fileURLToPath(new URL('../../../bench/run.ts', import.meta.url));
  if (!fs.existsSync(script)) throw new UsageError('The benchmark ships with the source checkout only (packages/server/bench).');
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: 'inherit', cwd: path.dirname(path.dirname(script)) });
  const code = await new Promise<number>((resolve) => child.on('exit', (exitCode) => resolve(exitCode ?? 1)));
  if (code !== 0) process.exitCode = code;
}
