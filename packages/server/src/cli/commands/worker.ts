import { openRuntime } from '../../boot/runtime.ts';
import { loadProcessConfig } from '../../platform/config.ts';
import { overrides, parse } from '../args.ts';

/** Runs jobs without an HTTP listener; SIGINT/SIGTERM drain the running ones, then exit. */
export async function worker(args: string[]): Promise<void> {
  const values = parse(args, {});
  const config = loadProcessConfig(overrides(values));
  const ctx = await openRuntime(config);
  await ctx.jobs.start();
  process.stdout.write(`Portico worker ${ctx.jobs.workerId} is running (store: ${ctx.store.dialect}, ${ctx.store.location}; ${config.jobConcurrency} jobs at once).\n`);
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
  process.stdout.write('Draining running jobs...\n');
  await ctx.jobs.stop();
  await ctx.close();
}
