import { changeDepsOf } from '../../domain/context.ts';
import { systemActor } from '../../domain/events.ts';
import {
  API_KEY_ROTATION_OVERLAP_SECONDS, isPlan, PLANS, type Plan, createProject, listProjects, rotateApiKey, setProjectPlan,
} from '../../domain/projects/index.ts';
import { openMigratedStore } from '../../boot/runtime.ts';
import type { AppStore } from '../../domain/database.ts';
import { loadProcessConfig } from '../../platform/config.ts';
import { UsageError, overrides, parse, required } from '../args.ts';

type Values = ReturnType<typeof parse>;

function planOf(values: Values, fallback?: Plan): Plan {
  const plan = (values.plan as string | undefined) ?? fallback;
  if (plan === undefined) throw new UsageError('--plan is required.');
  if (!isPlan(plan)) throw new UsageError(`--plan must be one of ${PLANS.join(', ')}; got "${plan}".`);
  return plan;
}

async function withStore(values: Values, run: (store: AppStore) => Promise<void>): Promise<void> {
  const store = await openMigratedStore(loadProcessConfig(overrides(values)));
  try {
    await run(store);
  } finally {
    await store.close();
  }
}

const write = (text: string) => process.stdout.write(text);

export async function project(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'create') {
    const values = parse(rest, { name: { type: 'string' }, plan: { type: 'string' } });
    const name = required(values, 'name');
    const plan = planOf(values, 'enterprise');
    await withStore(values, async (store) => {
      const created = await createProject(store, { name, plan });
      if (values.json) {
        write(`${JSON.stringify(created)}\n`);
        return;
      }
      write(
        `Project "${name}" created (plan ${plan}).\n  projectId:    ${created.projectId}\n  admin apiKey: ${created.apiKey}\n  signing key:  ${created.signingKeyId}\n\n` +
          `Private signing key (shown once; Portico keeps only the public key):\n${created.privateKeyPem}\n`,
      );
    });
    return;
  }
  if (sub === 'list') {
    const values = parse(rest, {});
    await withStore(values, async (store) => {
      const projects = await listProjects(store);
      if (values.json) write(`${JSON.stringify(projects)}\n`);
      else for (const p of projects) write(`${p.id}  ${p.plan.padEnd(10)}  ${p.name}\n`);
    });
    return;
  }
  if (sub === 'set-plan') {
    const values = parse(rest, { project: { type: 'string' }, plan: { type: 'string' } });
    const projectId = required(values, 'project');
    const plan = planOf(values);
    await withStore(values, async (store) => {
      const updated = await setProjectPlan(changeDepsOf(store), projectId, plan, systemActor('cli'));
      write(values.json ? `${JSON.stringify(updated)}\n` : `Project ${projectId} is on the ${plan} plan.\n`);
    });
    return;
  }
  if (sub === 'rotate-api-key') {
    const values = parse(rest, { project: { type: 'string' }, 'revoke-old': { type: 'boolean' } });
    const projectId = required(values, 'project');
    const revokeOld = values['revoke-old'] === true;
    await withStore(values, async (store) => {
      const rotated = await rotateApiKey(changeDepsOf(store), projectId, { revokeOld }, systemActor('cli'));
      if (values.json) {
        write(`${JSON.stringify({ projectId, ...rotated })}\n`);
        return;
      }
      const previous = revokeOld
        ? 'The previous admin keys are revoked (a running server stops accepting them within PORTICO_PROJECT_CACHE_TTL_MS).'
        : `The previous admin keys keep working for ${API_KEY_ROTATION_OVERLAP_SECONDS / 60} minutes, until ${rotated.previousKeys[0]?.expiresAt ?? 'now'}.`;
      write(`New admin API key for ${projectId} (shown once):\n  ${rotated.apiKey}\n${previous}\n`);
    });
    return;
  }
  throw new UsageError(`Unknown command "project ${sub ?? ''}".`);
}
