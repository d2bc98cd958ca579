import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { StoreKind } from './options.ts';

/** A throwaway database: a temp data directory for SQLite, a randomly named database for PostgreSQL. */
export interface BenchDatabase {
  kind: StoreKind;
  dataDir: string;
  databaseUrl: string | undefined;
  drop(): Promise<void>;
}

async function adminQuery(adminUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${adminUrl} (${(error as Error).message}). Start it (e.g. pg_ctlcluster --skip-systemctl-redirect 15 main start), set PORTICO_BENCH_PG_URL, or run with --store sqlite.`,
    );
  }
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export async function createBenchDatabase(kind: StoreKind, adminUrl: string): Promise<BenchDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-bench-'));
  const removeDir = () => fs.rmSync(dataDir, { recursive: true, force: true });
  if (kind === 'sqlite') return { kind, dataDir, databaseUrl: undefined, drop: async () => removeDir() };

  const name = `portico_bench_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    kind,
    dataDir,
    databaseUrl: url.toString(),
    drop: async () => {
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      removeDir();
    },
  };
}
