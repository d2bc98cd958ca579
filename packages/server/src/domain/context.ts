import type { Config } from '../platform/config.ts';
import type { AppStore as Store } from './database.ts';
import type { SecretBox } from '../platform/crypto/secret-box.ts';
import { UserTokenVerifier } from './user-tokens/index.ts';
import { ApiKeyCache, ProjectCache } from './projects/index.ts';
import { SdkMeCache } from './users/index.ts';

/** The services every module receives; built once per process by `createContext`. */
export interface AppContext {
  readonly config: Config;
  readonly store: Store;
  readonly secrets: SecretBox;
  readonly projects: ProjectCache;
  /** Admin API keys by hash; `invalidate(projectId)` after a key change. */
  readonly apiKeys: ApiKeyCache;
  readonly tokens: UserTokenVerifier;
  readonly sdkMeCache: SdkMeCache;
}

export function createContext(config: Config, store: Store, secrets: SecretBox): AppContext {
  return {
    config,
    store,
    secrets,
    projects: new ProjectCache(store, config.projectCacheTtlMs),
    apiKeys: new ApiKeyCache(store, config.projectCacheTtlMs),
    tokens: new UserTokenVerifier(config.clockSkewSeconds, config.tokenCacheSize),
    sdkMeCache: new SdkMeCache(store),
  };
}
