import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedProject } from '../src/domain/projects/index.ts';
import { STORES, createTestDatabase, signToken, type TestDatabase } from './harness.ts';
import { createProjectWithCli, startServerProcess } from './support/server-process.ts';

describe.each(STORES)('graceful shutdown of a real server process (%s)', (kind) => {
  let database: TestDatabase;
  let project: CreatedProject;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    project = await createProjectWithCli(database);
  });
  afterAll(() => database.drop());

  it('on SIGTERM stops accepting connections, finishes the request in flight, keeps its write, and exits 0', async () => {
    const server = await startServerProcess(database);
    const { port, hostname } = new URL(server.url);
    const token = await signToken(project, 'draining');
    const body = JSON.stringify({ meta: { drained: 'yes' } });
    const socket = net.connect(Number(port), hostname);
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`PATCH /projects/${project.projectId}/sdk/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`);
    await new Promise((r) => setTimeout(r, 200));

    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const refused = await new Promise<boolean>((resolve) => {
      const probe = net.connect(Number(port), hostname);
      probe.on('connect', () => { probe.destroy(); resolve(false); });
      probe.on('error', () => resolve(true));
    });
    expect(refused, 'a new connection was accepted after SIGTERM').toBe(true);

    // write, not end: Node aborts a request whose client half-closes before the answer.
    socket.write(body.slice(10));
    await closed;
    expect(answer, server.output()).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain('"drained":"yes"');
    expect(await server.exited).toEqual({ code: 0, signal: null });

    const again = await startServerProcess(database);
    try {
      const me = await fetch(`${again.url}/projects/${project.projectId}/sdk/me`, { headers: { authorization: `Bearer ${token}` } });
      expect((await me.json()).meta).toEqual({ drained: 'yes' });
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }
  });
});
