/**
 * The baseline: a bare Fastify route (no hooks, no schema, no database) answering a JSON object as
 * large as the `GET /sdk/me` body of the benchmark user. Runs in its own process, like the server.
 */
import fs from 'node:fs';
import Fastify from 'fastify';

const bodyFile = process.argv[2];
if (!bodyFile) throw new Error('usage: baseline-server.ts <file with the JSON body to serve>');
const body = JSON.parse(fs.readFileSync(bodyFile, 'utf8')) as Record<string, unknown>;

const app = Fastify({ logger: false });
app.get('/baseline', async () => body);
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`baseline listening at ${address}\n`);
process.once('SIGTERM', () => {
  app.close().then(() => process.exit(0), () => process.exit(1));
});
