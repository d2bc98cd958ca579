import type { IncomingMessage } from 'node:http';

/** Most bytes of a refused body read and thrown away before the answer; beyond it the socket is cut. */
export const MAX_DRAIN_BYTES = 16 * 1024 * 1024;

/**
 * Reads and discards the rest of a refused request body, so the answer reaches clients that write
 * their whole body before they read (Node's fetch, undici): closing the socket under a client that
 * is still writing makes it see EPIPE or ECONNRESET instead of the 413. Bounded by `maxBytes` and
 * `maxMs`; resolves once the body ended, a bound was hit or the connection went away.
 */
export function drainRequestBody(raw: IncomingMessage, maxMs: number, maxBytes = MAX_DRAIN_BYTES): Promise<void> {
  if (raw.complete || raw.destroyed) return Promise.resolve();
  if (Number(raw.headers['content-length']) > maxBytes) return Promise.resolve();
  return new Promise((resolve) => {
    let drained = 0;
    const finish = () => {
      clearTimeout(timer);
      raw.off('data', onData);
      raw.off('end', finish);
      raw.off('error', finish);
      raw.off('close', finish);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > maxBytes) finish();
    };
    const timer = setTimeout(finish, maxMs);
    raw.on('data', onData);
    raw.on('end', finish);
    raw.on('error', finish);
    raw.on('close', finish);
    raw.resume();
  });
}
