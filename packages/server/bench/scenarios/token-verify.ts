import { UserTokenVerifier } from '../../src/domain/user-tokens/index.ts';
import { ProjectCache } from '../../src/domain/projects/index.ts';
import type { Scenario } from './types.ts';

export const tokenVerify: Scenario = {
  name: 'token-verify',
  description: 'UserTokenVerifier.verify in-process with the cache off: RS256 signature and claims check per call (one core)',
  async run(ctx) {
    const state = await new ProjectCache(ctx.store, 60_000).get(ctx.project.projectId);
    if (!state) throw new Error(`project ${ctx.project.projectId} not found`);
    const verifier = new UserTokenVerifier(30, 0);
    const tokens = await ctx.coldTokens();
    for (let i = 0; i < 500; i++) await verifier.verify(state, tokens.take());
    let verified = 0;
    const started = performance.now();
    const deadline = started + ctx.options.verifySeconds * 1000;
    while (performance.now() < deadline) {
      for (let i = 0; i < 100; i++) await verifier.verify(state, tokens.take());
      verified += 100;
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      perSecond: Math.round(verified / seconds),
      unit: 'verifies/s',
      comparable: false,
      details: { verified, microsecondsPerVerify: Math.round((seconds / verified) * 1e6 * 10) / 10 },
    };
  },
};
