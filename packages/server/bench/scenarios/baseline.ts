import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runLoad } from '../load.ts';
import { startBaseline } from '../processes.ts';
import { fromLoad, type Scenario } from './types.ts';

export const baseline: Scenario = {
  name: 'baseline',
  description: 'bare Fastify route (own process, no hooks, schema or database) answering a JSON object as large as the bench user\'s /sdk/me',
  async run(ctx) {
    const bodyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'portico-baseline-')), 'body.json');
    fs.writeFileSync(bodyFile, ctx.project.meBody);
    const service = await startBaseline(bodyFile);
    try {
      const result = await runLoad({ ...ctx.load, url: `${service.url}/baseline`, headers: {} }, service.meter);
      return fromLoad(result, { bodyBytes: Buffer.byteLength(ctx.project.meBody) });
    } finally {
      await service.stop();
      fs.rmSync(path.dirname(bodyFile), { recursive: true, force: true });
    }
  },
};
