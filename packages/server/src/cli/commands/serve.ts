import { openRuntime } from '../../boot/runtime.ts';
import { ListenError, startServer } from '../../boot/server.ts';
import { loadProcessConfig } from '../../platform/config.ts';
import { CommandFailed, overrides, parse } from '../args.ts';
import { ensureDemoProject } from '../demo.ts';

export async function serve(args: string[]): Promise<void> {
  const values = parse(args, { port: { type: 'string' }, host: { type: 'string' }, demo: { type: 'boolean' }, 'no-worker': { type: 'boolean' } });
  const config = loadProcessConfig(overrides(values));
  const ctx = await openRuntime(config);
  let demo;
  let server;
  try {
    demo = values.demo ? await ensureDemoProject(ctx) : undefined;
    if (config.worker) await ctx.jobs.start();
    server = await startServer(ctx);
  } catch (error) {
    // Nothing may keep the process alive after a failed start (a PostgreSQL pool, job workers).
    await ctx.jobs.stop();
    await ctx.close();
    throw error instanceof ListenError ? new CommandFailed(error.message) : error;
  }
  const lines = [
    '',
    `Portico is running at ${server.url}`,
    `  store:        ${ctx.store.dialect} (${ctx.store.location})`,
    `  jobs:         ${config.worker ? `worker ${ctx.jobs.workerId}, ${config.jobConcurrency} at once` : 'no worker on this node (--no-worker)'}`,
    `  API reference: ${server.url}/api/v1/openapi.json`,
  ];
  if (demo) {
    lines.push(
      `  demo project: ${demo.projectId}${demo.created ? ' (created now)' : ''}`,
      `  private signing key: ${demo.privateKeyPath}`,
      `  Admin API key: in ${config.dataDir}/demo-project.json`,
      ...(demo.dashboardEmail ? [`  dashboard:    ${server.url}/dashboard (sign in as ${demo.dashboardEmail}; the password is in ${config.dataDir}/demo-project.json)`] : []),
      '',
      'Mint a user token for the demo project:',
      `  npx portico token --project ${demo.projectId} --user demo-user --private-key ${demo.privateKeyPath}`,
      'Then:',
      `  curl -H "Authorization: Bearer <token>" ${server.url}/projects/${demo.projectId}/sdk/me`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}
