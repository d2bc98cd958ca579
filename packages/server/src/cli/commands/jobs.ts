import { openMigratedStore } from '../../boot/runtime.ts';
import { createJobQueue } from '../../domain/context.ts';
import { loadProcessConfig } from '../../platform/config.ts';
import { AppError } from '../../platform/errors.ts';
import { formatJobList, formatSelftestReport, selftestProblem, selftestProgressPrinter } from '../../platform/jobs/cli-output.ts';
import { runSelftest, jobsDb, type JobState, type SelftestReport } from '../../platform/jobs/index.ts';
import { CommandFailed, UsageError, overrides, parse, parseWithPositionals, positiveInteger } from '../args.ts';

const JOB_STATES: readonly JobState[] = ['queued', 'running', 'succeeded', 'dead'];

/** The store and its job queue (not started: these commands only read and enqueue). */
async function openJobs(values: Record<string, string | boolean | undefined>) {
  const config = loadProcessConfig(overrides(values));
  const store = await openMigratedStore(config);
  return { store, jobs: createJobQueue(config, store) };
}

export async function jobs(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'list') {
    const values = parse(rest, { state: { type: 'string' }, limit: { type: 'string' } });
    const state = values.state as JobState | undefined;
    if (state !== undefined && !JOB_STATES.includes(state)) throw new UsageError(`--state must be one of ${JOB_STATES.join(', ')}; got "${state}".`);
    const limit = positiveInteger(values, 'limit', 50, 10_000);
    const ctx = await openJobs(values);
    try {
      const found = await ctx.jobs.list({ state, limit });
      process.stdout.write(values.json ? `${JSON.stringify(found)}\n` : formatJobList(found, state));
    } finally {
      await ctx.store.close();
    }
    return;
  }
  if (sub === 'retry') {
    const { values, positionals } = parseWithPositionals(rest, {}, 1);
    const id = positionals[0];
    if (!id) throw new UsageError('portico jobs retry needs the id of a dead job (see "portico jobs list --state dead").');
    const ctx = await openJobs(values);
    try {
      const retried = await ctx.jobs.retry(id);
      if (!retried) {
        const job = await ctx.jobs.get(id);
        throw job ? AppError.from('JOB_NOT_DEAD', `Job ${id} is ${job.state}, not dead; only dead jobs can be retried.`) : AppError.from('JOB_NOT_FOUND', `No job with id ${id}.`);
      }
      process.stdout.write(values.json ? `${JSON.stringify(retried)}\n` : `Job ${id} (${retried.name}) is queued again with ${retried.maxAttempts} attempts.\n`);
    } finally {
      await ctx.store.close();
    }
    return;
  }
  if (sub === 'selftest') {
    const values = parse(rest, { count: { type: 'string' }, 'sleep-ms': { type: 'string' }, 'timeout-s': { type: 'string' } });
    const count = positiveInteger(values, 'count', 100, 1_000_000);
    const sleepMs = values['sleep-ms'] === '0' ? 0 : positiveInteger(values, 'sleep-ms', 50, 600_000);
    const timeoutMs = positiveInteger(values, 'timeout-s', 300, 86_400) * 1000;
    const ctx = await openJobs(values);
    let report: SelftestReport;
    try {
      const onProgress = values.json ? undefined : selftestProgressPrinter((text) => process.stdout.write(text));
      report = await runSelftest(ctx.jobs, jobsDb(ctx.store.db), { count, sleepMs, timeoutMs, ...(onProgress ? { onProgress } : {}) });
    } finally {
      await ctx.store.close();
    }
    process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : formatSelftestReport(report));
    if (!report.ok) throw new CommandFailed(selftestProblem(report));
    return;
  }
  throw new UsageError(`Unknown command "jobs ${sub ?? ''}".`);
}
