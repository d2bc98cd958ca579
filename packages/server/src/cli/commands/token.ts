import fs from 'node:fs';
import { loadProcessConfig } from '../../platform/config.ts';
import { parseTtl, signUserToken } from '../../platform/crypto/user-token-signer.ts';
import { UsageError, overrides, parse, required } from '../args.ts';

export async function token(args: string[]): Promise<void> {
  const values = parse(args, { project: { type: 'string' }, user: { type: 'string' }, ttl: { type: 'string' }, 'private-key': { type: 'string' } });
  const projectId = required(values, 'project');
  const userId = required(values, 'user');
  const config = loadProcessConfig(overrides(values));
  const keyPath = (values['private-key'] as string | undefined) ?? `${config.dataDir}/demo-private-key.pem`;
  if (!fs.existsSync(keyPath)) throw new UsageError(`No private key at ${keyPath}; pass --private-key FILE (the key printed by "portico project create").`);
  let ttlSeconds: number;
  try {
    ttlSeconds = parseTtl((values.ttl as string | undefined) ?? '1h');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const signed = await signUserToken({ privateKeyPem: fs.readFileSync(keyPath, 'utf8'), projectId, userId, ttlSeconds });
  process.stdout.write(`${signed}\n`);
}
