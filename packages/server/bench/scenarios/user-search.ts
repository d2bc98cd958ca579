import { runLoad } from '../load.ts';
import { fromLoad, type Scenario, type ScenarioContext } from './types.ts';

/**
 * Admin API `GET /users` against the seeded population, one query shape per scenario, sent at a
 * fixed `--search-rate` (default 100 searches/s, a large support team typing, each keystroke a
 * search) over `--search-connections` (default 8). The p99 target is the latency of a search; run
 * as fast as answered (`--search-rate 0`) it is the queue in front of one Node process instead (at
 * 50 connections, 50 × a 3–5 ms page), which docs/performance.md records as throughput.
 */
function searchScenario(name: string, description: string, query: (users: number) => string): Scenario {
  return {
    name,
    description,
    population: true,
    async run(ctx: ScenarioContext) {
      const base = new URL(ctx.sdkUrl);
      const path = `/api/v1/projects/${ctx.project.projectId}/users`;
      const users = ctx.options.populationUsers;
      const result = await runLoad({
        ...ctx.load,
        connections: ctx.options.searchConnections,
        rate: ctx.options.searchRate || undefined,
        url: `${base.origin}${path}`,
        headers: { authorization: `Bearer ${ctx.project.apiKey}` },
        path: () => `${path}?${query(users)}`,
      }, ctx.server.meter);
      return fromLoad(result, { users });
    },
  };
}

const random = (n: number) => Math.floor(Math.random() * n);

export const searchEmail = searchScenario(
  'search-email',
  'GET /users?email= of a random population user (exact, case-insensitive), first page with its total',
  (users) => `email=POP${random(users)}@Example.com`,
);

export const searchPrefix = searchScenario(
  'search-prefix',
  'GET /users?name= with a random 4-to-7-digit name prefix ("Population User 1234…"), 50 per page, sorted by name',
  (users) => `name=${encodeURIComponent(`population user ${String(random(users)).slice(0, 4 + random(4))}`)}&sort=name`,
);

export const searchMeta = searchScenario(
  'search-meta',
  'GET /users?meta.plan=pro&meta.seats=N: two metadata values (a third and a hundredth of the users), newest first, 50 per page',
  () => `meta.plan=pro&meta.seats=${random(100)}`,
);

export const searchText = searchScenario(
  'search-text',
  'GET /users?q= with "pop" and 3 to 6 digits of a random user (a fragment of an email or user id typed in the dashboard), newest first',
  (users) => `q=pop${String(random(users)).slice(0, 3 + random(4))}`,
);
