import { createPublicKey, type KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Store } from '../../db/store.ts';
import { listIntegrations, type Integration } from '../integrations/integrations.service.ts';
import { listWorkflows, type Workflow } from '../workflows/workflows.service.ts';
import { BILLING_PLAN, PLAN_FEATURES, type Feature } from './plans.ts';
import { listActiveSigningKeys } from './projects.repository.ts';
import { getProject, type Project } from './projects.service.ts';

/** What every request of a project needs, loaded once and shared. */
export interface ProjectState {
  project: Project;
  billingPlan: string;
  features: ReadonlySet<Feature>;
  signingKeys: ReadonlyArray<{ id: string; key: KeyObject }>;
  integrations: readonly Integration[];
  integrationsById: ReadonlyMap<string, Integration>;
  integrationsByType: ReadonlyMap<string, Integration>;
  workflows: readonly Workflow[];
  workflowsById: ReadonlyMap<string, Workflow>;
  workflowsByIntegration: ReadonlyMap<string, readonly Workflow[]>;
}

interface Entry {
  loadedAt: number;
  state: Promise<ProjectState | undefined>;
}

const NO_PROJECT: Promise<undefined> = Promise.resolve(undefined);

/**
 * Per-node cache of project state. Changes made through this node invalidate it at once; changes
 * made elsewhere (another node, the CLI) are seen within `ttlMs`. Ids that name no project are
 * remembered apart, briefly and in bounded number: random well-formed ids neither query the store
 * each time nor push real projects out.
 */
export class ProjectCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<ProjectState | undefined>>();
  private readonly missing: LRUCache<string, true> | undefined;

  constructor(
    private readonly store: Store,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {
    this.missing = ttlMs > 0 ? new LRUCache({ max: maxEntries, ttl: Math.min(ttlMs, 1000) }) : undefined;
  }

  get(projectId: string): Promise<ProjectState | undefined> {
    const now = Date.now();
    const entry = this.entries.get(projectId);
    if (entry && now - entry.loadedAt < this.ttlMs) return entry.state;
    if (this.missing?.has(projectId)) return NO_PROJECT;
    const inFlight = this.loading.get(projectId);
    if (inFlight) return inFlight;
    const state = this.load(projectId);
    this.loading.set(projectId, state);
    state.then(
      (found) => {
        if (this.loading.get(projectId) !== state) return; // invalidated meanwhile
        this.loading.delete(projectId);
        if (!found) {
          this.entries.delete(projectId);
          this.missing?.set(projectId, true);
          return;
        }
        if (!this.entries.has(projectId) && this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
        this.entries.set(projectId, { loadedAt: now, state });
      },
      () => {
        if (this.loading.get(projectId) === state) this.loading.delete(projectId);
      },
    );
    return state;
  }

  invalidate(projectId: string): void {
    this.entries.delete(projectId);
    this.loading.delete(projectId);
    this.missing?.delete(projectId);
  }

  private async load(projectId: string): Promise<ProjectState | undefined> {
    const project = await getProject(this.store, projectId);
    if (!project) return undefined;
    const [keys, integrations, workflows] = await Promise.all([
      listActiveSigningKeys(this.store.db, projectId),
      listIntegrations(this.store, projectId),
      listWorkflows(this.store, projectId),
    ]);
    const workflowsByIntegration = new Map<string, Workflow[]>();
    for (const workflow of workflows) {
      const list = workflowsByIntegration.get(workflow.integrationId) ?? [];
      list.push(workflow);
      workflowsByIntegration.set(workflow.integrationId, list);
    }
    return {
      project,
      billingPlan: BILLING_PLAN[project.plan],
      features: new Set(PLAN_FEATURES[project.plan]),
      signingKeys: keys.map((k) => ({ id: k.id, key: createPublicKey(k.public_key_pem) })),
      integrations,
      integrationsById: new Map(integrations.map((i) => [i.id, i])),
      integrationsByType: new Map(integrations.map((i) => [i.type, i])),
      workflows,
      workflowsById: new Map(workflows.map((w) => [w.id, w])),
      workflowsByIntegration,
    };
  }
}
