import type { KeyObject } from 'node:crypto';
import type { AppStore as Store } from '../database.ts';
import { canonicalType, listIntegrations, type Integration } from '../integrations/index.ts';
import { listWorkflows, type Workflow } from '../workflows/index.ts';
import { BILLING_PLAN, PLAN_FEATURES, type BillingPlan, type Feature } from './plans.ts';
import { LRUCache } from 'lru-cache';
import { getProject, type Project } from './projects.service.ts';
import { loadValidSigningKeys } from './signing-keys.service.ts';

/** A key that verifies the project's User Tokens. */
export interface ProjectSigningKey {
  id: string;
  key: KeyObject;
  /** Milliseconds since the epoch when a rotated-out key stops verifying; undefined for the current key. */
  expiresAt: number | undefined;
}

/** What every request of a project needs, loaded once and shared. */
export interface ProjectState {
  project: Project;
  billingPlan: BillingPlan;
  features: ReadonlySet<Feature>;
  /** The keys valid when the state was loaded; check `expiresAt` at each use. */
  signingKeys: readonly ProjectSigningKey[];
  integrations: readonly Integration[];
  integrationsById: ReadonlyMap<string, Integration>;
  /** By type as stored and, for custom integrations, by canonical type too (see `canonicalType`). */
  integrationsByType: ReadonlyMap<string, Integration>;
  workflows: readonly Workflow[];
  workflowsById: ReadonlyMap<string, Workflow>;
  workflowsByIntegration: ReadonlyMap<string, readonly Workflow[]>;
  /** `project.secretMetaKeys` as a set: values shown as "[secret]" outside workflows. */
  secretMetaKeys: ReadonlySet<string>;
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

  /** Changes may have been missed (another node's notices were lost): reload every project. */
  clear(): void {
    this.entries.clear();
  }

  private async load(projectId: string): Promise<ProjectState | undefined> {
    const project = await getProject(this.store, projectId);
    if (!project) return undefined;
    const [keys, integrations, workflows] = await Promise.all([
      loadValidSigningKeys(this.store, projectId),
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
      signingKeys: keys,
      integrations,
      integrationsById: new Map(integrations.map((i) => [i.id, i])),
      integrationsByType: byType(integrations),
      workflows,
      workflowsById: new Map(workflows.map((w) => [w.id, w])),
      workflowsByIntegration,
      secretMetaKeys: new Set(project.secretMetaKeys),
    };
  }
}

function byType(integrations: readonly Integration[]): Map<string, Integration> {
  const map = new Map(integrations.map((i) => [i.type, i]));
  for (const integration of integrations) {
    const canonical = canonicalType(integration.type);
    if (!map.has(canonical)) map.set(canonical, integration);
  }
  return map;
}
