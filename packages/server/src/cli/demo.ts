import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../domain/context.ts';
import { systemActor } from '../domain/events.ts';
import { createIntegration } from '../domain/integrations/index.ts';
import { createProject, getProject } from '../domain/projects/index.ts';
import { addStaff, listStaff } from '../domain/staff/index.ts';
import { createWorkflow } from '../domain/workflows/index.ts';
import { randomBytes } from 'node:crypto';
import { CommandFailed } from './args.ts';

export interface DemoProject {
  projectId: string;
  apiKey: string;
  privateKeyPath: string;
  created: boolean;
  /** The dashboard account made for the demo, when it is in the demo file. */
  dashboardEmail?: string;
}

const DEMO_FILE = 'demo-project.json';
export const DEMO_KEY_FILE = 'demo-private-key.pem';

/** Integrations and workflows a new demo project starts with, so `/sdk/me` has something to show. */
const DEMO_SETUP = [
  { type: 'salesforce', workflows: [{ name: 'Sync new contacts', defaultEnabled: true }, { name: 'Create opportunity on deal won', defaultEnabled: false }] },
  { type: 'slack', workflows: [{ name: 'Notify channel on new lead', defaultEnabled: false }] },
  { type: 'hubspot', workflows: [{ name: 'Sync companies', defaultEnabled: true }] },
] as const;

/** What the demo file holds: the demo project's keys, and the store the project lives in. */
interface DemoFile {
  projectId: string;
  apiKey: string;
  privateKeyPath: string;
  /** `<dialect> <location>` of the store; absent in files written before it was recorded. */
  store?: string;
  /** A dashboard admin made for the demo while the store had no staff at all. */
  dashboard?: { email: string; password: string };
}

const DEMO_STAFF_EMAIL = 'admin@demo.portico.test';

/** A dashboard admin for the demo, made only while the store has no staff account at all. */
async function ensureDemoStaff(ctx: AppContext, file: string, saved: DemoFile): Promise<DemoFile> {
  if (saved.dashboard || (await listStaff(ctx.store.db)).length > 0) return saved;
  const password = randomBytes(15).toString('base64url');
  await addStaff(ctx.store.db, { email: DEMO_STAFF_EMAIL, role: 'admin', password });
  const updated = { ...saved, dashboard: { email: DEMO_STAFF_EMAIL, password } };
  writeDemoFile(file, updated);
  return updated;
}

const storeName = (ctx: AppContext) => `${ctx.store.dialect} ${ctx.store.location}`;

/** The demo file of a data directory, if there is one. */
export function readDemoFile(dataDir: string): DemoFile | undefined {
  const file = path.join(dataDir, DEMO_FILE);
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as DemoFile;
}

/**
 * The demo project of `npm start`: created on first run; its private key and API key are kept in
 * the data directory (0600) so a developer can mint tokens and call the Admin API at once.
 * The files are the only copy of those keys and belong to one store: a data directory whose demo
 * project lives in another store is refused rather than overwritten.
 */
export async function ensureDemoProject(ctx: AppContext): Promise<DemoProject> {
  const dir = ctx.config.dataDir;
  const file = path.join(dir, DEMO_FILE);
  const saved = readDemoFile(dir);
  if (saved && (await getProject(ctx.store, saved.projectId))) {
    // Also when the recorded location differs (a moved data directory): the project is here.
    if (saved.store !== storeName(ctx)) writeDemoFile(file, { ...saved, store: storeName(ctx) });
    const current = await ensureDemoStaff(ctx, file, { ...saved, store: storeName(ctx) });
    return { projectId: saved.projectId, apiKey: saved.apiKey, privateKeyPath: saved.privateKeyPath, created: false, ...(current.dashboard ? { dashboardEmail: current.dashboard.email } : {}) };
  }
  if (saved && saved.store !== storeName(ctx)) {
    const shown = path.relative(process.cwd(), file) || file;
    throw new CommandFailed(
      `${shown} holds the demo project of ${saved.store ? `another store (${saved.store})` : 'another store'} and the only copy of its keys; ` +
        `give ${ctx.store.dialect === 'postgres' ? 'this database' : 'this store'} a data directory of its own (--data DIR or PORTICO_DATA_DIR), or move the demo files away`,
    );
  }
  // No demo file, or one whose project was deleted with the store it names: start afresh.
  const created = await createProject(ctx.store, { name: 'Demo', plan: 'enterprise' });
  for (const setup of DEMO_SETUP) {
    const integration = await createIntegration(ctx, created.projectId, { type: setup.type }, systemActor('demo'));
    for (const workflow of setup.workflows) {
      await createWorkflow(ctx, { projectId: created.projectId, integrationId: integration.id, ...workflow }, systemActor('demo'));
    }
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const privateKeyPath = path.join(dir, DEMO_KEY_FILE);
  fs.writeFileSync(privateKeyPath, created.privateKeyPem, { mode: 0o600 });
  const demo = { projectId: created.projectId, apiKey: created.apiKey, privateKeyPath };
  writeDemoFile(file, { ...demo, store: storeName(ctx) });
  const withStaff = await ensureDemoStaff(ctx, file, { ...demo, store: storeName(ctx) });
  return { ...demo, created: true, ...(withStaff.dashboard ? { dashboardEmail: withStaff.dashboard.email } : {}) };
}

function writeDemoFile(file: string, demo: DemoFile): void {
  fs.writeFileSync(file, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
}
