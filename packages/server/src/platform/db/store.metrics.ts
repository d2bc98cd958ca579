import { Counter } from 'prom-client';
import { registerOnce, type Registry } from '../metrics/registry.ts';
import type { AnyStore } from './store.ts';

/** SQLite's group commits and checkpoints on `registry`, read from the driver on each scrape; nothing on PostgreSQL. */
export function registerStoreMetrics(registry: Registry, store: AnyStore): void {
  if (!store.sqliteStats()) return;
  registerOnce(registry, 'portico_sqlite_commits_total', () => new Counter({
    name: 'portico_sqlite_commits_total',
    help: 'SQLite group commits, by whether they fsynced the WAL (fsync="no": activity times alone, made durable by the next commit or checkpoint).',
    labelNames: ['fsync'],
    registers: [],
    collect() {
      const stats = store.sqliteStats();
      if (!stats) return;
      this.reset();
      this.inc({ fsync: 'yes' }, stats.syncedCommits);
      this.inc({ fsync: 'no' }, stats.unsyncedCommits);
    },
  }));
  registerOnce(registry, 'portico_sqlite_checkpoints_total', () => new Counter({
    name: 'portico_sqlite_checkpoints_total',
    help: 'WAL checkpoints run on the checkpoint thread (SQLite\'s own, on the writer, are not counted).',
    registers: [],
    collect() {
      const stats = store.sqliteStats();
      if (!stats) return;
      this.reset();
      this.inc(stats.checkpointsAside);
    },
  }));
}
