/**
 * `node --import tsx bench/stall-probe.ts [--seconds 10] [--attackers 32]`: can one signed-in user
 * stall the server? Starts `portico serve` (SQLite) in its own process, then sends worst-case bodies
 * from `--attackers` parallel clients while a separate process times `GET /healthz` every 10 ms.
 * Prints the /healthz latency percentiles and the attackers' answers per scenario
 * (docs/reliability.md, "Event-loop stalls").
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { signUserToken } from '../src/platform/crypto/user-token-signer.ts';

const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(SERVER_DIR, 'bin/portico.js');
const KEYS = `v1:${Buffer.alloc(32, 9).toString('base64')}`;
const run = promisify(execFile);

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

/** `--only 1,3`: run only these scenarios (1-based). */
const only = process.argv.includes('--only') ? new Set(process.argv[process.argv.indexOf('--only') + 1]!.split(',').map(Number)) : undefined;

/** `{"k0":0,"k1":0,…}` with `keys` members, padded with a string member up to `bytes` when asked. */
function manyKeys(keys: number, bytes = 0): string {
  const members = Array.from({ length: keys }, (_, i) => `"k${i}":0`);
  const object = `{${members.join(',')}}`;
  const pad = bytes - object.length - 12;
  return pad > 0 ? `{${members.join(',')},"pad":"${'x'.repeat(pad)}"}` : object;
}

/** Times GET /healthz from its own process, so the attackers' client work does not count. */
const PROBER = `
const url = process.argv[1]; const until = Date.now() + Number(process.argv[2]);
const http = await import('node:http'); const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const samples = [];
const once = () => new Promise((resolve) => { const t = performance.now();
  http.get(url, { agent }, (res) => { res.resume(); res.on('end', () => resolve(performance.now() - t)); }).on('error', () => resolve(NaN)); });
while (Date.now() < until) { samples.push(await once()); await new Promise((r) => setTimeout(r, 10)); }
process.stdout.write(JSON.stringify(samples));
`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const seconds = option('seconds', 10);
  const attackers = option('attackers', 32);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-stall-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PORTICO_ENCRYPTION_KEYS: KEYS, LOG_LEVEL: 'error', PORTICO_SQLITE_SYNCHRONOUS: 'full', PORTICO_RATE_LIMIT_USER: '0', PORTICO_RATE_LIMIT_API_KEY: '0' };
  delete env.DATABASE_URL;
  const { stdout } = await run(process.execPath, [BIN, 'project', 'create', '--name', 'Stall', '--json', '--data', dataDir], { env });
  const project = JSON.parse(stdout) as { projectId: string; apiKey: string; privateKeyPem: string };
  const server = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--host', '127.0.0.1', '--data', dataDir], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => {
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /running at (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
  });
  try {
    const admin = (method: string, p: string, body: unknown) => fetch(`${url}/api/v1/projects/${project.projectId}${p}`, {
      method, headers: { authorization: `Bearer ${project.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    }).then((r) => r.json() as Promise<{ id: string }>);
    await admin('POST', '/integrations', { type: 'salesforce' });
    const credential = await admin('POST', '/users/attacker/credentials', { integration: 'salesforce', accessToken: 't' });
    const token = await signUserToken({ privateKeyPem: project.privateKeyPem, projectId: project.projectId, userId: 'attacker', ttlSeconds: 3600 });
    const sdk = `${url}/projects/${project.projectId}/sdk`;
    const shared = (keys: number, bytes: number) => `{"config":{"sharedSettings":${manyKeys(keys, bytes)}}}`;
    const scenarios: Array<{ name: string; path: string; body: string }> = [
      { name: 'PATCH /sdk/me, 1 MiB, 80,000 keys', path: '/me', body: `{"meta":${manyKeys(80_000, 1_000_000)}}` },
      { name: 'PATCH /sdk/credentials/{id}, 1 MiB sharedSettings, 80,000 keys', path: `/credentials/${credential.id}`, body: shared(80_000, 1_000_000) },
      { name: 'PATCH /sdk/me, 120 KiB, 990 keys', path: '/me', body: `{"meta":${manyKeys(990, 120_000)}}` },
      { name: 'PATCH /sdk/credentials/{id}, 120 KB, 1,990 keys', path: `/credentials/${credential.id}`, body: shared(1_990, 120_000) },
      { name: 'PATCH /sdk/me, 60 KiB, 990 keys (stored)', path: '/me', body: `{"meta":${manyKeys(990, 60_000)}}` },
      { name: 'PATCH /sdk/credentials/{id}, 60 KB, 1,990 keys (stored)', path: `/credentials/${credential.id}`, body: shared(1_990, 60_000) },
    ];
    for (const [index, scenario] of scenarios.entries()) {
      if (only && !only.has(index + 1)) continue;
      const prober = run(process.execPath, ['--input-type=module', '-e', PROBER, `${url}/healthz`, String(seconds * 1000)], { maxBuffer: 64 * 1024 * 1024 });
      const until = Date.now() + seconds * 1000;
      const answers = new Map<string, number>();
      await Promise.all(Array.from({ length: attackers }, async () => {
        while (Date.now() < until) {
          let key: string;
          try {
            const response = await fetch(`${sdk}${scenario.path}`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: scenario.body });
            key = `${response.status} ${((await response.json()) as { code?: string }).code ?? 'ok'}`;
          } catch (error) {
            key = String((error as { cause?: { code?: string } }).cause?.code ?? error);
          }
          answers.set(key, (answers.get(key) ?? 0) + 1);
        }
      }));
      const samples = (JSON.parse((await prober).stdout) as number[]).filter(Number.isFinite).sort((a, b) => a - b);
      const fmt = (n: number) => `${n.toFixed(1)} ms`;
      process.stdout.write(`${scenario.name} (${(scenario.body.length / 1024).toFixed(0)} KiB body)\n` +
        `  /healthz: n=${samples.length} p50 ${fmt(percentile(samples, 50))} p99 ${fmt(percentile(samples, 99))} max ${fmt(samples.at(-1) ?? NaN)}\n` +
        `  attackers: ${[...answers].map(([k, v]) => `${v} × ${k}`).join(', ')}\n`);
    }
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
