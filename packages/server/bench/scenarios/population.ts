import { runLoad } from '../load.ts';
import { fromLoad, type Scenario } from './types.ts';

export const populationMe: Scenario = {
  name: 'population-me',
  description: 'GET /sdk/me for random users among the seeded population: token cache misses, cold rows, first-activity writes',
  population: true,
  async run(ctx) {
    const tokens = await ctx.populationTokens();
    const result = await runLoad({ ...ctx.load, url: `${ctx.sdkUrl}/me`, headers: () => ({ authorization: `Bearer ${tokens.take()}` }) }, ctx.server.meter);
    return fromLoad(result, { users: ctx.options.populationUsers, distinctUsers: tokens.size });
  },
};

export const populationPatch: Scenario = {
  name: 'population-patch',
  description: 'PATCH /sdk/me for random users among the seeded population, durable commit per request',
  population: true,
  async run(ctx) {
    const tokens = await ctx.populationTokens();
    let counter = 0;
    const result = await runLoad({
      ...ctx.load,
      url: `${ctx.sdkUrl}/me`,
      method: 'PATCH',
      headers: () => ({ authorization: `Bearer ${tokens.take()}`, 'content-type': 'application/json' }),
      body: () => `{"meta":{"lastPage":"/reports/${++counter}"}}`,
    }, ctx.server.meter);
    return fromLoad(result, { users: ctx.options.populationUsers, distinctUsers: tokens.size });
  },
};
