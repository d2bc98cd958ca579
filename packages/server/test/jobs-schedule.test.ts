import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScheduledPayload } from '../src/platform/jobs/index.ts';
import { STORES } from './harness.ts';
import { jobsFixture, waitFor, type JobsFixture } from './support/jobs.ts';

for (const kind of STORES) {
  describe(`job schedules (${kind})`, () => {
    let fx: JobsFixture;
    beforeEach(async () => {
      fx = await jobsFixture(kind);
    });
    afterEach(() => fx.close());

    it('fires each tick exactly once across three nodes racing for it', async () => {
      const ran: Array<{ node: string; tick: string }> = [];
      const nodes = ['a', 'b', 'c'].map((name) => {
        // On PostgreSQL each node has its own pool, as separate processes would. SQLite's group-commit
        // writer cannot be shared by two connections of one process, so the nodes share the store there.
        const queue = fx.queue({ store: kind === 'postgres' ? fx.openStore() : fx.store, nodeId: name, schedulerIntervalMs: 50 });
        queue.register<ScheduledPayload>('heartbeat.report', async (payload) => {
          ran.push({ node: name, tick: payload.scheduledAt });
        });
        queue.schedule('heartbeat.report', '* * * * * *');
        return queue;
      });
      await Promise.all(nodes.map((q) => q.start()));
      await waitFor('four ticks to run', () => ran.length >= 4, 15_000);
      await Promise.all(nodes.map((q) => q.stop()));

      const ticks = ran.map((r) => r.tick);
      expect(new Set(ticks).size, JSON.stringify(ran)).toBe(ticks.length);
      for (const tick of ticks) expect(new Date(tick).getUTCMilliseconds()).toBe(0);
      const jobs = await fx.db.selectFrom('jobs').select(['key', 'state']).where('name', '=', 'heartbeat.report').execute();
      expect(new Set(jobs.map((j) => j.key)).size).toBe(jobs.length);
      expect(jobs.map((j) => j.key).sort()).toEqual(expect.arrayContaining(ticks.map((t) => `schedule:heartbeat.report:${t}`).sort()));
      const schedule = await fx.db.selectFrom('job_schedules').selectAll().where('name', '=', 'heartbeat.report').executeTakeFirstOrThrow();
      expect(schedule.cron).toBe('* * * * * *');
      expect(ticks).toContain(schedule.last_run_at);
    });

    it('fires a tick missed while every node was down once, then follows the cron again', async () => {
      const ran: string[] = [];
      const first = fx.queue();
      first.schedule('digest.send', '*/5 * * * *');
      await first.start();
      await first.stop();
      const missed = '2020-01-01T00:00:00.000Z';
      await fx.db.updateTable('job_schedules').set({ next_run_at: missed }).where('name', '=', 'digest.send').execute();

      const second = fx.queue();
      second.register<ScheduledPayload>('digest.send', async (payload) => {
        ran.push(payload.scheduledAt);
      });
      second.schedule('digest.send', '*/5 * * * *');
      await second.start();
      await waitFor('the missed tick to run', () => ran.length === 1);
      const schedule = await fx.db.selectFrom('job_schedules').selectAll().where('name', '=', 'digest.send').executeTakeFirstOrThrow();
      expect(ran).toEqual([missed]);
      expect(Date.parse(schedule.next_run_at)).toBeGreaterThan(Date.now());
      expect(new Date(schedule.next_run_at).getUTCMinutes() % 5).toBe(0);
    });

    it('moves the next tick when the cron expression changes', async () => {
      const before = fx.queue();
      before.schedule('report', '0 0 1 1 *');
      await before.start();
      await before.stop();
      const after = fx.queue();
      after.schedule('report', '0 12 * * *', { timezone: 'Europe/Paris' });
      await after.start();
      const schedule = await fx.db.selectFrom('job_schedules').selectAll().where('name', '=', 'report').executeTakeFirstOrThrow();
      expect(schedule).toMatchObject({ cron: '0 12 * * *', timezone: 'Europe/Paris' });
      const next = new Date(schedule.next_run_at);
      expect(next.toLocaleString('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' })).toBe('12:00');
    });

    it('refuses a malformed cron expression at declaration', () => {
      const queue = fx.queue();
      expect(() => queue.schedule('bad', '* * *')).toThrow('5 or 6 cron fields');
      expect(() => queue.schedule('bad', '61 * * * *')).toThrow('not a valid cron expression');
    });
  });
}
