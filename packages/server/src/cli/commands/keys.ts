import { rotateSigningKey } from '../../domain/projects/index.ts';
import { openMigratedStore } from '../../boot/runtime.ts';
import { loadProcessConfig } from '../../platform/config.ts';
import { UsageError, overrides, parse, required } from '../args.ts';

export async function keys(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'rotate') throw new UsageError(`Unknown command "keys ${sub ?? ''}".`);
  const values = parse(rest, { project: { type: 'string' } });
  const projectId = required(values, 'project');
  const store = await openMigratedStore(loadProcessConfig(overrides(values)));
  try {
    const rotated = await rotateSigningKey(store, projectId);
    if (values.json) process.stdout.write(`${JSON.stringify({ projectId, ...rotated })}\n`);
    else process.stdout.write(`New signing key for ${projectId}; tokens signed with the previous key are refused from now on.\n\nPrivate signing key (shown once):\n${rotated.privateKeyPem}\n`);
  } finally {
    await store.close();
  }
}
