import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../src/domain/migrations/index.ts';
import { openAppStore } from '../src/domain/database.ts';

const modeOf = (file: string) => (fs.statSync(file).mode & 0o777).toString(8);

/** The embedded database holds hashed keys and sealed tokens: only its owner may read the files. */
describe('SQLite file modes', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates portico.db, -wal and -shm 0600 inside an existing 0755 directory', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-modes-'));
    dirs.push(dataDir);
    fs.chmodSync(dataDir, 0o755);
    const previousUmask = process.umask(0o022);
    try {
      const store = openAppStore({ dataDir });
      await migrateToLatest(store);
      await store.db.insertInto('projects').values({ id: 'p', name: 'p', plan: 'basic', created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' }).execute();
      const base = path.join(dataDir, 'portico.db');
      expect([base, `${base}-wal`, `${base}-shm`].map((f) => fs.existsSync(f))).toEqual([true, true, true]);
      expect([modeOf(base), modeOf(`${base}-wal`), modeOf(`${base}-shm`)]).toEqual(['600', '600', '600']);
      await store.close();
    } finally {
      process.umask(previousUmask);
    }
    expect(modeOf(dataDir)).toBe('755');
  });

  it('keeps the mode an operator gave an existing database file', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-modes-'));
    dirs.push(dataDir);
    const base = path.join(dataDir, 'portico.db');
    const first = openAppStore({ dataDir });
    await migrateToLatest(first);
    await first.close();
    fs.chmodSync(base, 0o640);
    const again = openAppStore({ dataDir });
    await migrateToLatest(again);
    expect(modeOf(base)).toBe('640');
    await again.close();
  });
});
