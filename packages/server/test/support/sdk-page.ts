import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { IConnectSDK } from '@useparagon/connect';

/** The official `@useparagon/connect` bundle, as an app would serve it. */
const SDK_BUNDLE = createRequire(import.meta.url).resolve('@useparagon/connect');

declare global {
  interface Window {
    ConnectSDK: new (environments: Record<string, string>) => IConnectSDK;
    paragon: IConnectSDK;
  }
}

// The bundle is CommonJS (`module.exports = ...`), so the page provides `module` before loading it.
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Portico SDK test</title></head><body>
<script>window.module = { exports: {} }; window.exports = window.module.exports;</script>
<script src="/sdk.js"></script>
<script>window.ConnectSDK = window.module.exports.default;</script>
</body></html>`;

/** An "app" page on its own origin (127.0.0.1, a free port) that loads the official SDK bundle. */
export function startSdkPageServer(): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    if (request.url === '/sdk.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' });
      fs.createReadStream(SDK_BUNDLE).pipe(response);
    } else if (request.url === '/') {
      response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    } else {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
