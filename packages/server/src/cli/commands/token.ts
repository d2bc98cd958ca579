import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { openMigratedStore } from '../../boot/runtime.ts';
import { getProject, projectsTrustingKey } from '../../domain/projects/index.ts';
import { loadProcessConfig } from '../../platform/config.ts';
import { parseTtl, signUserToken } from '../../platform/crypto/user-token-signer.ts';
import { CommandFailed, UsageError, overrides, parse, required } from '../args.ts';
import { DEMO_KEY_FILE, readDemoFile } from '../demo.ts';

/** Longer-lived tokens belong to a real backend's signer, not to a developer's command line. */
const MAX_TTL_SECONDS = 7 * 86_400;

function ttlSeconds(text: string): number {
  let seconds: number;
  try {
    seconds = parseTtl(text);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (seconds < 1 || seconds > MAX_TTL_SECONDS) throw new UsageError(`--ttl must be from 1s to 7d; got "${text}".`);
  return seconds;
}

export async function token(args: string[]): Promise<void> {
  const values = parse(args, { project: { type: 'string' }, user: { type: 'string' }, ttl: { type: 'string' }, 'private-key': { type: 'string' } });
  const projectId = required(values, 'project');
  const userId = required(values, 'user');
  const ttl = ttlSeconds((values.ttl as string | undefined) ?? '1h');
  const config = loadProcessConfig(overrides(values));
  const keyPath = (values['private-key'] as string | undefined) ?? path.join(config.dataDir, DEMO_KEY_FILE);
  const shownKey = path.relative(process.cwd(), keyPath) || keyPath;
  if (!fs.existsSync(keyPath)) throw new UsageError(`No private key at ${shownKey}; pass --private-key FILE (the key printed by "portico project create").`);
  const privateKeyPem = fs.readFileSync(keyPath, 'utf8');
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(createPrivateKey(privateKeyPem));
  } catch {
    throw new CommandFailed(`${shownKey} is not a PEM private key; pass the key printed by "portico project create" or "portico keys rotate".`);
  }

  const store = await openMigratedStore(config);
  try {
    if (!(await getProject(store, projectId))) {
      throw new CommandFailed(`no project ${projectId} in ${store.dialect} ${store.location}; "portico project list" shows the projects there.`);
    }
    const owners = await projectsTrustingKey(store, publicKey);
    if (!owners.includes(projectId)) throw new CommandFailed(keyMismatch(shownKey, projectId, owners, readDemoFile(config.dataDir)?.projectId));
  } finally {
    await store.close();
  }
  const signed = await signUserToken({ privateKeyPem, projectId, userId, ttlSeconds: ttl });
  process.stdout.write(`${signed}\n`);
}

function keyMismatch(shownKey: string, projectId: string, owners: string[], demoProjectId: string | undefined): string {
  const fix = `pass --private-key with the key that "portico project create" or the latest "portico keys rotate" printed for ${projectId}.`;
  if (demoProjectId && owners.includes(demoProjectId)) return `${shownKey} is the signing key of the demo project ${demoProjectId}, not of ${projectId}; ${fix}`;
  if (owners.length > 0) return `${shownKey} is the signing key of project ${owners.join(', ')}, not of ${projectId}; ${fix}`;
  return `${shownKey} is not an active signing key of ${projectId} or of any other project (rotated away?); ${fix}`;
}
