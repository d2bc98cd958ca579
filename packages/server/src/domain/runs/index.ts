/**
 * The runs room's facade: workflows running for Connected Users. Triggers (App Events, Request
 * triggers, schedules, Integration Enabled) start executions; the run job executes their steps
 * behind the gates; the gating consumer reacts to installs, enables, recoveries and metadata.
 */
export { registerWorkflows } from './workflows.runtime.ts';
export { hasResponseStep, triggerAppEvent, triggerRequest } from './triggers.service.ts';
export type { TriggerInput } from './engine.ts';
