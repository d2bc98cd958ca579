import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { ProgressBar } from './progress.ts';

/**
 * RS256 signing, the way an app's backend signs User Tokens, spread over worker threads: pools of
 * tens of thousands of distinct tokens (one per request, to defeat the token cache) take a
 * few seconds instead of a minute.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createPrivateKey, sign } = require('node:crypto');
const key = createPrivateKey(workerData.privateKeyPem);
const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const header = part({ alg: 'RS256', typ: 'JWT' });
const tokens = [];
for (const claims of workerData.claims) {
  const input = header + '.' + part(claims);
  tokens.push(input + '.' + sign('sha256', Buffer.from(input), key).toString('base64url'));
  if (tokens.length % 500 === 0) parentPort.postMessage({ progress: 500 });
}
parentPort.postMessage({ tokens, progress: tokens.length % 500 });
`;

export interface TokenRequest {
  sub: string;
  /** Makes otherwise identical tokens distinct. */
  jti?: string;
}

export interface TokenSigner {
  projectId: string;
  privateKeyPem: string;
}

export async function signTokens(signer: TokenSigner, requests: readonly TokenRequest[], label: string): Promise<string[]> {
  const now = Math.floor(Date.now() / 1000);
  const claims = requests.map((r) => ({ sub: r.sub, aud: `useparagon.com/${signer.projectId}`, iat: now, exp: now + 3 * 3600, ...(r.jti ? { jti: r.jti } : {}) }));
  const workers = Math.max(1, Math.min(os.availableParallelism(), Math.ceil(claims.length / 1000)));
  const perWorker = Math.ceil(claims.length / workers);
  const bar = new ProgressBar(label, claims.length);
  const slices = await Promise.all(
    Array.from({ length: workers }, (_, n) => new Promise<string[]>((resolve, reject) => {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { privateKeyPem: signer.privateKeyPem, claims: claims.slice(n * perWorker, (n + 1) * perWorker) },
      });
      worker.on('message', (message: { progress: number; tokens?: string[] }) => {
        bar.tick(message.progress);
        if (message.tokens) resolve(message.tokens);
      });
      worker.once('error', reject);
      worker.once('exit', (code) => code !== 0 && reject(new Error(`token signing worker exited with ${code}`)));
    })),
  );
  bar.finish();
  return slices.flat();
}

/** Hands out tokens round-robin, shared by all connections: with more tokens than the server's cache holds, every use is a miss. */
export class TokenCycle {
  private next = 0;

  constructor(private readonly tokens: readonly string[]) {
    if (tokens.length === 0) throw new Error('TokenCycle needs at least one token');
  }

  take(): string {
    const token = this.tokens[this.next]!;
    this.next = (this.next + 1) % this.tokens.length;
    return token;
  }

  get size(): number {
    return this.tokens.length;
  }
}
