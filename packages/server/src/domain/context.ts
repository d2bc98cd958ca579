import type { Config } from '../platform/config.ts';
import type { SecretBox } from '../platform/crypto/secret-box.ts';
import { createEventBus, type PgChangeNotifier } from '../platform/events/index.ts';
import type { AppStore as Store, Database } from './database.ts';
import type { DomainEvents, PorticoEvents } from './events.ts';
import { ProjectCache } from './projects/index.ts';
import { UserTokenVerifier } from './user-tokens/index.ts';
import { SdkMeCache } from './users/index.ts';

/** The services every module receives; built once per process by `createContext`. */
export interface AppContext {
  readonly config: Config;
  readonly store: Store;
  readonly secrets: SecretBox;
  /** Domain events: the outbox every change writes to, and the notices caches listen to. */
  readonly events: DomainEvents;
  readonly projects: ProjectCache;
  readonly tokens: UserTokenVerifier;
  readonly sdkMeCache: SdkMeCache;
  /** Stops listening and closes the store. */
  close(): Promise<void>;
}

/** What a service that changes data needs: the store, and the events it records its changes with. */
export type ChangeDeps = Pick<AppContext, 'store' | 'events'>;

export interface ContextOptions {
  /** PostgreSQL: hears the other nodes' changes (started and stopped with the context). */
  notifier?: PgChangeNotifier | undefined;
  onError?: (error: unknown, context: string) => void;
}

export function createContext(config: Config, store: Store, secrets: SecretBox, options: ContextOptions = {}): AppContext {
  const events = createEventBus<PorticoEvents, Database>({ store, notifier: options.notifier, onError: options.onError });
  const projects = new ProjectCache(store, config.projectCacheTtlMs);
  const sdkMeCache = new SdkMeCache(store);
  // Every node drops what a change made stale, whichever node made it.
  events.subscribe('project.changed', (notice) => projects.invalidate(notice.projectId));
  events.subscribe('*', (notice) => {
    if (notice.userId !== null) sdkMeCache.invalidateUser(notice.projectId, notice.userId);
  });
  events.onResync(() => {
    projects.clear();
    sdkMeCache.clear();
  });
  return {
    config,
    store,
    secrets,
    events,
    projects,
    tokens: new UserTokenVerifier(config.clockSkewSeconds, config.tokenCacheSize),
    sdkMeCache,
    async close() {
      await events.close();
      await options.notifier?.stop();
      await store.close();
    },
  };
}
