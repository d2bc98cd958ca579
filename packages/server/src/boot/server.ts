import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../domain/context.ts';
import { buildApp } from './app.ts';
import { serverLogOptions } from '../platform/http/log-options.ts';

/** The port cannot be had: another process holds it, or binding needs privileges. */
export class ListenError extends Error {
  override name = 'ListenError';
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Listens, and on SIGINT/SIGTERM stops taking requests, drains in-flight ones and running jobs, and closes the store. */
export async function startServer(ctx: AppContext): Promise<RunningServer> {
  const app = await buildApp(ctx, { logger: serverLogOptions(ctx.config) });
  let address: string;
  try {
    address = await app.listen({ port: ctx.config.port, host: ctx.config.host });
  } catch (error) {
    await app.close();
    throw listenError(error, ctx.config.port, ctx.config.host) ?? error;
  }
  const url = address.replace('[::1]', 'localhost');
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // Requests and job runs drain side by side; the store closes once both are done. A request
      // whose client went away no longer holds a connection, so app.close() does not wait for it.
      await Promise.all([app.close().then(() => app.inFlight.drained(ctx.config.requestTimeoutMs)), ctx.jobs.stop()]);
      await ctx.close();
    })();
    return closing;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      app.log.info({ signal }, 'shutting down: draining in-flight requests');
      close().then(
        () => process.exit(0),
        (error: unknown) => {
          app.log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
  return { app, url, close };
}

function listenError(error: unknown, port: number, host: string): ListenError | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new ListenError(`port ${port} on ${host} is in use; stop the other process or pass --port`);
  if (code === 'EACCES') return new ListenError(`not allowed to listen on port ${port} on ${host}; use a port above 1023 or pass --port`);
  if (code === 'EADDRNOTAVAIL') return new ListenError(`${host} is not an address of this machine; pass --host 127.0.0.1 or 0.0.0.0`);
  return undefined;
}
