import { baseline } from './baseline.ts';
import { populationMe, populationPatch } from './population.ts';
import { proxy } from './proxy.ts';
import { integrations, meCold, mePatch, meWarm } from './single-user.ts';
import { tokenVerify } from './token-verify.ts';
import { searchEmail, searchMeta, searchPrefix, searchText } from './user-search.ts';
import { webhookFanOut } from './webhook-fan-out.ts';
import { eventFanOut } from './event-fan-out.ts';
import { UsageError } from '../options.ts';
import type { Scenario } from './types.ts';

/**
 * Every scenario, in run order. The baseline comes first: each HTTP scenario's ratio is relative
 * to it. To add one (user search, proxy, workflow fan-out, token refresh …), write a `Scenario`
 * in its own file here and list it below; set `population: true` if it needs the seeded users.
 */
export const SCENARIOS: readonly Scenario[] = [
  baseline,
  meWarm,
  meCold,
  mePatch,
  integrations,
  tokenVerify,
  proxy,
  webhookFanOut,
  eventFanOut,
  populationMe,
  populationPatch,
  searchEmail,
  searchPrefix,
  searchMeta,
  searchText,
];

export function selectScenarios(names: readonly string[]): Scenario[] {
  if (names.length === 0) return [...SCENARIOS];
  const unknown = names.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) throw new UsageError(`Unknown scenario ${unknown.join(', ')}; choose from ${SCENARIOS.map((s) => s.name).join(', ')}.`);
  return SCENARIOS.filter((s) => s.name === 'baseline' || names.includes(s.name));
}
