import type { Config } from './config.ts';
import type { Store } from './db/store.ts';
import type { SecretBox } from './lib/secret-box.ts';
import { UserTokenVerifier } from './modules/auth/user-token.ts';
import { ProjectCache } from './modules/projects/project-cache.ts';
import { SdkMeCache } from './modules/users/sdk-me-cache.ts';

/** The services every module receives; built once per process by `createContext`. */
export interface AppContext {
  readonly config: Config;
  readonly store: Store;
  readonly secrets: SecretBox;
  readonly projects: ProjectCache;
  readonly tokens: UserTokenVerifier;
  readonly sdkMeCache: SdkMeCache;
}

export function createContext(config: Config, store: Store, secrets: SecretBox): AppContext {
  return {
    config,
    store,
    secrets,
    projects: new ProjectCache(store, config.projectCacheTtlMs),
    tokens: new UserTokenVerifier(config.clockSkewSeconds, config.tokenCacheSize),
    sdkMeCache: new SdkMeCache(store),
  };
}
