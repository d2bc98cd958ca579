import { isPlan, PLANS, type Plan, createProject, listProjects } from '../../domain/projects/index.ts';
import { openMigratedStore } from '../../boot/runtime.ts';
import { loadProcessConfig } from '../../platform/config.ts';
import { UsageError, overrides, parse, required } from '../args.ts';

export async function project(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'create') {
    const values = parse(rest, { name: { type: 'string' }, plan: { type: 'string' } });
    const name = required(values, 'name');
    const plan = (values.plan as string | undefined) ?? 'enterprise';
    if (!isPlan(plan)) throw new UsageError(`--plan must be one of ${PLANS.join(', ')}; got "${plan}".`);
    const store = await openMigratedStore(loadProcessConfig(overrides(values)));
    try {
      const created = await createProject(store, { name, plan: plan as Plan });
      if (values.json) {
        process.stdout.write(`${JSON.stringify(created)}\n`);
      } else {
        process.stdout.write(
          `Project "${name}" created (plan ${plan}).\n  projectId: ${created.projectId}\n  apiKey:    ${created.apiKey}\n\n` +
            `Private signing key (shown once; Portico keeps only the public key):\n${created.privateKeyPem}\n`,
        );
      }
    } finally {
      await store.close();
    }
    return;
  }
  if (sub === 'list') {
    const values = parse(rest, {});
    const store = await openMigratedStore(loadProcessConfig(overrides(values)));
    try {
      const projects = await listProjects(store);
      if (values.json) process.stdout.write(`${JSON.stringify(projects)}\n`);
      else for (const p of projects) process.stdout.write(`${p.id}  ${p.plan.padEnd(10)}  ${p.name}\n`);
    } finally {
      await store.close();
    }
    return;
  }
  throw new UsageError(`Unknown command "project ${sub ?? ''}".`);
}
