/** Teardown steps that must also run when the benchmark is interrupted (child processes, throwaway databases). */
const steps = new Set<() => Promise<void>>();

export function onCleanup(step: () => Promise<void>): () => void {
  steps.add(step);
  return () => steps.delete(step);
}

export function runCleanupOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: cleaning up …\n`);
      const pending = [...steps].reverse().map((step) => step().catch(() => undefined));
      Promise.all(pending).finally(() => process.exit(130));
    });
  }
}
