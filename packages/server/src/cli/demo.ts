import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../domain/context.ts';
import { systemActor } from '../domain/events.ts';
import { createIntegration } from '../domain/integrations/index.ts';
import { createProject, getProject } from '../domain/projects/index.ts';
import { createWorkflow } from '../domain/workflows/index.ts';

export interface DemoProject {
  projectId: string;
  apiKey: string;
  privateKeyPath: string;
  created: boolean;
}

const DEMO_FILE = 'demo-project.json';

/** Integrations and workflows a new demo project starts with, so `/sdk/me` has something to show. */
const DEMO_SETUP = [
  { type: 'salesforce', workflows: [{ name: 'Sync new contacts', defaultEnabled: true }, { name: 'Create opportunity on deal won', defaultEnabled: false }] },
  { type: 'slack', workflows: [{ name: 'Notify channel on new lead', defaultEnabled: false }] },
  { type: 'hubspot', workflows: [{ name: 'Sync companies', defaultEnabled: true }] },
] as const;

/**
 * The demo project of `npm start`: created on first run; its private key and API key are kept in
 * the data directory (0600) so a developer can mint tokens and call the Admin API at once.
 */
export async function ensureDemoProject(ctx: AppContext): Promise<DemoProject> {
  const dir = ctx.config.dataDir;
  const file = path.join(dir, DEMO_FILE);
  if (fs.existsSync(file)) {
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as Omit<DemoProject, 'created'>;
    if (await getProject(ctx.store, saved.projectId)) return { ...saved, created: false };
  }
  const created = await createProject(ctx.store, { name: 'Demo', plan: 'enterprise' });
  for (const setup of DEMO_SETUP) {
    const integration = await createIntegration(ctx, created.projectId, { type: setup.type }, systemActor('demo'));
    for (const workflow of setup.workflows) {
      await createWorkflow(ctx, { projectId: created.projectId, integrationId: integration.id, ...workflow }, systemActor('demo'));
    }
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const privateKeyPath = path.join(dir, `demo-private-key.pem`);
  fs.writeFileSync(privateKeyPath, created.privateKeyPem, { mode: 0o600 });
  const demo = { projectId: created.projectId, apiKey: created.apiKey, privateKeyPath };
  fs.writeFileSync(file, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  return { ...demo, created: true };
}
