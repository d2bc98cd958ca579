import type { Job } from './jobs.types.ts';
import type { SelftestProgress, SelftestReport } from './selftest.ts';

/** One line per job for `portico jobs list`: id, state, attempts, last change, name, first line of the last error. */
export function formatJobList(jobs: readonly Job[], state: string | undefined): string {
  if (jobs.length === 0) return `No jobs${state ? ` in state ${state}` : ''}.\n`;
  return jobs
    .map((job) => {
      const error = job.lastError ? `  ${job.lastError.split('\n')[0]!.slice(0, 120)}` : '';
      return `${job.id}  ${job.state.padEnd(9)}  ${`${job.attempts}/${job.maxAttempts}`.padEnd(5)}  ${job.updatedAt}  ${job.name}${error}\n`;
    })
    .join('');
}

/** Progress lines of `portico jobs selftest`, at most one a second. */
export function selftestProgressPrinter(write: (text: string) => void): (progress: SelftestProgress) => void {
  let last = 0;
  return (p) => {
    if (Date.now() - last < 1000 && p.waiting > 0) return;
    last = Date.now();
    const hint = p.succeeded + p.dead === 0 && p.elapsedMs > 10_000 ? '  (no job has finished: is a "portico serve" or "portico worker" running on this database?)' : '';
    write(`  ${(p.elapsedMs / 1000).toFixed(1).padStart(6)} s  ${p.succeeded}/${p.count} succeeded, ${p.dead} dead, ${p.waiting} waiting${hint}\n`);
  };
}

export function formatSelftestReport(report: SelftestReport): string {
  const nodes = (counts: Record<string, number>) => Object.entries(counts).map(([node, n]) => `${node}: ${n}`).join(', ') || 'none';
  return [
    `Selftest ${report.batch}: ${report.count} jobs of ${report.sleepMs} ms in ${(report.elapsedMs / 1000).toFixed(1)} s${report.timedOut ? ' (timed out)' : ''}`,
    `  succeeded:                      ${report.succeeded}`,
    `  dead:                           ${report.dead}`,
    `  lost:                           ${report.lost}`,
    `  ran while held or after success: ${report.duplicateRuns}`,
    `  finished more than once:        ${report.finishedTwice}`,
    `  re-run after an interrupted run: ${report.rerun}`,
    `  finished runs per node:         ${nodes(report.finishedByNode)}`,
    `  interrupted runs per node:      ${nodes(report.interruptedByNode)}`,
    `  max start latency:              ${report.maxStartLatencyMs} ms`,
    report.ok ? 'OK: every job ran to completion exactly once.' : 'PROBLEM: see the counts above.',
    '',
  ].join('\n');
}

/** Why the selftest failed, in one line (the CLI's exit message). */
export function selftestProblem(report: SelftestReport): string {
  return `selftest found a problem: ${report.lost} lost, ${report.duplicateRuns} run while held or after success, ${report.finishedTwice} finished twice${report.timedOut ? ', timed out' : ''}.`;
}
