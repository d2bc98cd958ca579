import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
// vitest's executable (its package exports do not include it, so go from package.json).
const VITEST = path.join(path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const CONFIG = path.resolve(import.meta.dirname, 'fixtures/missing-chromium/vitest.config.ts');

interface Outcome {
  json: { numFailedTests: number; numPendingTests: number; numPassedTests: number; testResults: Array<{ assertionResults: Array<{ title: string; status: string; failureMessages: string[] }> }> };
  /** What a developer sees: the default reporter's output. */
  output: string;
}

/** Runs the fixture browser suite (Chromium missing) in its own vitest, with CI set or not. */
async function runFixture(ci: boolean): Promise<Outcome> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.CI;
  if (ci) env.CI = 'true';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-chromium-rule-'));
  try {
    const report = path.join(dir, 'report.json');
    const args = [VITEST, 'run', '--config', CONFIG, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`];
    const result = await run(process.execPath, args, { env }).catch((error: { stdout: string; stderr: string }) => error);
    return { json: JSON.parse(fs.readFileSync(report, 'utf8')) as Outcome['json'], output: result.stdout + result.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('browser suites without Chromium', () => {
  it('fail under CI with the install command', async () => {
    const { json } = await runFixture(true);
    expect(json.numFailedTests).toBe(1);
    expect(json.numPassedTests).toBe(0);
    const [test] = json.testResults[0]!.assertionResults;
    expect(test!.failureMessages.join('\n')).toContain('needs Chromium at /nonexistent/chromium; install it with: apt-get install -y chromium');
  });

  it('are skipped loudly elsewhere: a warning and a skipped test naming the fix', async () => {
    const { json, output } = await runFixture(false);
    expect(json.numFailedTests).toBe(0);
    expect(json.numPassedTests).toBe(0);
    const titles = json.testResults[0]!.assertionResults.map((t) => `${t.status}: ${t.title}`);
    expect(titles).toContain('skipped: SKIPPED The fixture browser suite needs Chromium at /nonexistent/chromium; install it with: apt-get install -y chromium');
    expect(output).toContain('!!! SKIPPING The fixture browser suite needs Chromium');
  });
});
