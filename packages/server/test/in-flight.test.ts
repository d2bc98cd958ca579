import net from 'node:net';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { trackInFlight } from '../src/platform/http/in-flight.ts';

/**
 * A request whose client hangs up goes on running after `app.close()` returns (its connection is
 * gone); graceful shutdown waits for it through trackInFlight before closing the store.
 */
describe('requests in flight at shutdown', () => {
  it('counts a request whose client hung up until its handler answers, and drained() waits for it', async () => {
    const app = Fastify();
    const inFlight = trackInFlight(app);
    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    let started!: () => void;
    const handlerStarted = new Promise<void>((resolve) => { started = resolve; });
    let handlerDone = false;
    app.get('/slow', async () => {
      started();
      await released;
      handlerDone = true;
      return { ok: true };
    });
    app.get('/fast', async () => ({ ok: true }));
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = new URL(address);

    // An answered request leaves nothing behind.
    expect((await fetch(`${address}/fast`)).status).toBe(200);
    expect(inFlight.count).toBe(0);

    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await handlerStarted;
    socket.destroy();
    await app.close();
    // The server has closed; the handler has not finished.
    expect(handlerDone).toBe(false);
    expect(inFlight.count).toBe(1);
    let drained = false;
    const waiting = inFlight.drained(10_000).then(() => { drained = true; });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(drained).toBe(false);
    release();
    await waiting;
    expect(handlerDone).toBe(true);
    expect(inFlight.count).toBe(0);
  });

  it('stops waiting after the timeout', async () => {
    const app = Fastify();
    const inFlight = trackInFlight(app);
    app.get('/never', () => new Promise(() => undefined));
    await app.ready();
    void app.inject({ method: 'GET', url: '/never' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(inFlight.count).toBe(1);
    // Resolves although the request is still there: the bound, not the request, ended the wait.
    await inFlight.drained(100);
    expect(inFlight.count).toBe(1);
  });
});
