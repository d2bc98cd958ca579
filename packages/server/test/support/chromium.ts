import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { it } from 'vitest';

/** Debian's Chromium, which playwright-core drives (no browser download is possible here). */
export const CHROMIUM_PATH = '/usr/bin/chromium';
const INSTALL = 'apt-get install -y chromium';

/**
 * The rule for every browser suite: Chromium's path when it is installed. When it is not, CI
 * (`CI` set) gets a failing test that says how to install it, so the summary counts a failure;
 * elsewhere the suite is skipped loudly: a warning and a skipped test that names the fix.
 * Call at the top level of the test file and skip the suite's `describe` when it returns undefined.
 */
export function requireChromium(suite: string, executablePath = CHROMIUM_PATH): string | undefined {
  if (fs.existsSync(executablePath)) return executablePath;
  const problem = `${suite} needs Chromium at ${executablePath}; install it with: ${INSTALL}`;
  if (process.env.CI) {
    it(`${suite}: Chromium is installed (CI runs every browser suite)`, () => {
      throw new Error(problem);
    });
  } else {
    console.warn(`\n!!! SKIPPING ${problem} !!!\n`);
    it.skip(`SKIPPED ${problem}`, () => undefined);
  }
  return undefined;
}

/** Chromium headless as the browser suites run it: no sandbox, GPU, QUIC or background traffic. */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
