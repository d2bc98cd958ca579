import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../domain/context.ts';
import { buildApp } from './app.ts';
import { serverLogOptions } from '../platform/http/log-options.ts';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Listens, and on SIGINT/SIGTERM stops taking requests, drains in-flight ones and running jobs, and closes the store. */
export async function startServer(ctx: AppContext): Promise<RunningServer> {
  const app = await buildApp(ctx, { logger: serverLogOptions(ctx.config) });
  const address = await app.listen({ port: ctx.config.port, host: ctx.config.host });
  const url = address.replace('[::1]', 'localhost');
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // Requests and job runs drain side by side; the store closes once both are done.
      await Promise.all([app.close(), ctx.jobs.stop()]);
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
