import type { KeyObject } from 'node:crypto';
import type { AppStore as Store } from '../database.ts';
import { canonicalType, listIntegrations, type Integration } from '../integrations/index.ts';
import { listWorkflows, type Workflow } from '../workflows/index.ts';
import { BILLING_PLAN, PLAN_FEATURES, type BillingPlan, type Feature } from './plans.ts';
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
}

interface Entry {
  loadedAt: number;
  state: Promise<ProjectState | undefined>;
}

/**
 * Per-node cache of project state. Changes made through this node invalidate it at once; changes
 * made elsewhere (another node, the CLI) are seen within `ttlMs`.
 */
export class ProjectCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly store: Store,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(projectId: string): Promise<ProjectState | undefined> {
    const now = Date.now();
    const entry = this.entries.get(projectId);
    if (entry && now - entry.loadedAt < this.ttlMs) return entry.state;
    const state = this.load(projectId);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(projectId, { loadedAt: now, state });
    state.catch(() => this.entries.delete(projectId));
    return state;
  }

  invalidate(projectId: string): void {
    this.entries.delete(projectId);
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
