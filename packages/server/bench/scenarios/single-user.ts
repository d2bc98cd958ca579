import { runLoad } from '../load.ts';
import { fromLoad, type Scenario } from './types.ts';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export const meWarm: Scenario = {
  name: 'me-warm',
  description: 'GET /sdk/me of the bench user (5 integrations, 2 credentials each, 1 KiB metadata), one token the server has cached',
  async run(ctx) {
    const result = await runLoad({ ...ctx.load, url: `${ctx.sdkUrl}/me`, headers: bearer(ctx.warmToken) }, ctx.server.meter);
    return fromLoad(result);
  },
};

export const meCold: Scenario = {
  name: 'me-cold',
  description: 'GET /sdk/me of the bench user, every request with a token the server has not cached (RS256 verification each time)',
  async run(ctx) {
    const tokens = await ctx.coldTokens();
    const result = await runLoad({ ...ctx.load, url: `${ctx.sdkUrl}/me`, headers: () => bearer(tokens.take()) }, ctx.server.meter);
    return fromLoad(result, { distinctTokens: tokens.size });
  },
};

export const mePatch: Scenario = {
  name: 'me-patch',
  description: 'PATCH /sdk/me of the bench user (merge one key into 1 KiB metadata), durable commit per request',
  async run(ctx) {
    let counter = 0;
    const result = await runLoad({
      ...ctx.load,
      url: `${ctx.sdkUrl}/me`,
      method: 'PATCH',
      headers: { ...bearer(ctx.warmToken), 'content-type': 'application/json' },
      body: () => `{"meta":{"benchCounter":${++counter}}}`,
    }, ctx.server.meter);
    return fromLoad(result);
  },
};

export const integrations: Scenario = {
  name: 'integrations',
  description: 'GET /sdk/integrations for the bench user (5 integrations, 2 workflows each), cached token',
  async run(ctx) {
    const result = await runLoad({ ...ctx.load, url: `${ctx.sdkUrl}/integrations`, headers: bearer(ctx.warmToken) }, ctx.server.meter);
    return fromLoad(result);
  },
};
