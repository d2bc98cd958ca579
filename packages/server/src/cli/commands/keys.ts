import { DEFAULT_SIGNING_KEY_GRACE_SECONDS, MAX_SIGNING_KEY_GRACE_SECONDS, rotateSigningKey } from '../../domain/projects/index.ts';
import { changeDepsOf } from '../../domain/context.ts';
import { systemActor } from '../../domain/events.ts';
import { openMigratedStore } from '../../boot/runtime.ts';
import { loadProcessConfig } from '../../platform/config.ts';
import { parseTtl } from '../../platform/crypto/user-token-signer.ts';
import { UsageError, overrides, parse, required } from '../args.ts';

function graceSeconds(text: string | undefined): number {
  if (text === undefined) return DEFAULT_SIGNING_KEY_GRACE_SECONDS;
  let seconds: number;
  try {
    seconds = parseTtl(text);
  } catch {
    throw new UsageError(`--grace must be a duration such as 24h, 90m, 7d or 0 (revoke the previous key at once); got "${text}".`);
  }
  if (seconds > MAX_SIGNING_KEY_GRACE_SECONDS) throw new UsageError(`--grace may be at most 30d; got "${text}".`);
  return seconds;
}

export async function keys(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'rotate') throw new UsageError(`Unknown command "keys ${sub ?? ''}".`);
  const values = parse(rest, { project: { type: 'string' }, grace: { type: 'string' } });
  const projectId = required(values, 'project');
  const grace = graceSeconds(values.grace as string | undefined);
  const config = loadProcessConfig(overrides(values));
  const store = await openMigratedStore(config);
  try {
    const rotated = await rotateSigningKey(changeDepsOf(store), projectId, { graceSeconds: grace }, systemActor('cli'));
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ projectId, ...rotated })}\n`);
      return;
    }
    const still = rotated.previousKeys.filter((k) => k.state === 'grace');
    const previous = still.length > 0
      ? `Tokens signed with the previous key keep working until ${still.map((k) => `${k.expiresAt} (${k.id})`).join(', ')}.`
      : `Tokens signed with the previous key are refused from now on (by a running server within PORTICO_PROJECT_CACHE_TTL_MS, ${config.projectCacheTtlMs} ms).`;
    process.stdout.write(`New signing key ${rotated.keyId} for ${projectId}. ${previous}\n\nPrivate signing key (shown once):\n${rotated.privateKeyPem}\n`);
  } finally {
    await store.close();
  }
}
