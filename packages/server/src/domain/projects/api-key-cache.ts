import type { AppStore as Store } from '../database.ts';
import { hashApiKey } from '../../platform/crypto/signing-keys.ts';
import { parseScopes } from './api-keys.service.ts';
import { findValidApiKeyByHash } from './projects.repository.ts';

/** What a valid API key grants. */
export interface ApiKeyGrant {
  apiKeyId: string;
  projectId: string;
  scopes: readonly string[];
  /** Milliseconds since the epoch when it stops working (a rotation overlap); undefined: no end. */
  expiresAt: number | undefined;
}

interface Entry {
  grant: ApiKeyGrant;
  loadedAt: number;
}

/**
 * Per-node cache of API keys by hash. A cached key is trusted for at most `ttlMs` and never past
 * its own `expiresAt`. Rotations made through this node call `invalidate` and take effect on the
 * next request; a revocation made elsewhere (another node, the CLI) is seen within `ttlMs`.
 */
export class ApiKeyCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every invalidation, so a lookup that raced one does not cache what it read before it. */
  private generation = 0;

  constructor(
    private readonly store: Store,
    private readonly ttlMs: number,
    private readonly maxEntries = 1000,
  ) {}

  async find(key: string): Promise<ApiKeyGrant | undefined> {
    const hash = hashApiKey(key);
    const now = Date.now();
    const cached = this.entries.get(hash);
    if (cached && now - cached.loadedAt < this.ttlMs && (cached.grant.expiresAt === undefined || cached.grant.expiresAt > now)) {
      return cached.grant;
    }
    this.entries.delete(hash);
    const generation = this.generation;
    const row = await findValidApiKeyByHash(this.store.db, hash, new Date(now).toISOString());
    if (!row) return undefined;
    const grant: ApiKeyGrant = {
      apiKeyId: row.id,
      projectId: row.project_id,
      scopes: parseScopes(row.scopes),
      expiresAt: row.expires_at === null ? undefined : Date.parse(row.expires_at),
    };
    if (generation === this.generation && this.ttlMs > 0) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(hash, { grant, loadedAt: now });
    }
    return grant;
  }

  /**
   * Forgets this node's cached keys of a project, so a revocation or rotation counts from the next
   * request. Called after every API key change made through this node; the cross-node change
   * notifications call it for changes made elsewhere.
   */
  /** Changes may have been missed: look every key up again. */
  clear(): void {
    this.entries.clear();
  }

  invalidate(projectId: string): void {
    this.generation++;
    for (const [hash, entry] of this.entries) {
      if (entry.grant.projectId === projectId) this.entries.delete(hash);
    }
  }
}
