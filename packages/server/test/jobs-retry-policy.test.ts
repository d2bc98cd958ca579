import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STORES } from './harness.ts';
import { jobsFixture, waitFor, type JobsFixture } from './support/jobs.ts';

for (const kind of STORES) {
  describe(`per-name retry policy (${kind})`, () => {
    let fx: JobsFixture;
    beforeEach(async () => {
      fx = await jobsFixture(kind);
    });
    afterEach(() => fx.close());

    it("retries a name with its own backoff while other names keep the queue's", async () => {
      const queue = fx.queue({ backoff: { baseMs: 60_000, maxMs: 60_000 } });
      let quickRuns = 0;
      queue.register('quick', async () => {
        if (++quickRuns < 3) throw new Error('not yet');
      }, { backoff: { baseMs: 40, maxMs: 80 } });
      queue.register('slow', async () => {
        throw new Error('always');
      });
      expect(() => queue.register('broken', async () => undefined, { backoff: { baseMs: 0 } })).toThrow(/baseMs/);
      const quick = await queue.enqueue('quick', {});
      const slow = await queue.enqueue('slow', {});
      const started = Date.now();
      await queue.start();
      const done = await waitFor('the quick job to succeed on its third run', async () => {
        const job = await queue.get(quick.id);
        return job?.state === 'succeeded' ? job : undefined;
      });
      expect(done.attempts).toBe(3);
      expect(Date.now() - started).toBeLessThan(5000);
      const failed = await waitFor('the slow job to be queued for a retry', async () => {
        const job = await queue.get(slow.id);
        return job?.state === 'queued' && job.attempts === 1 ? job : undefined;
      });
      // The queue's own backoff: half of 60 s at least.
      expect(Date.parse(failed.runAt) - Date.now()).toBeGreaterThan(25_000);
    });
  });
}
