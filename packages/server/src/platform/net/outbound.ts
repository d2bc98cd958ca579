import { createGuardedAgents, guardedRequest, parseOutboundUrl, resolveAllowed, type GuardedRequest, type GuardedResponse, type SsrfPolicy } from './ssrf-guard.ts';

/**
 * The one way Portico calls other servers (token exchange, refresh, account lookup, revoke, the
 * proxy, workflow HTTP steps, webhooks): every hop passes the SSRF guard, with the operator's
 * allow-list (`PORTICO_OUTBOUND_ALLOW_HOSTS`) as the only way to reach a private address.
 */
export interface OutboundClient {
  request(url: string | URL, init?: GuardedRequest): Promise<GuardedResponse>;
  /** Closes the pooled keep-alive connections. */
  close(): void;
  /**
   * Whether a URL may be requested now, without requesting it (a URL stored to be called later):
   * throws `SsrfBlockedError` as `request` would, or the resolver's error for an unknown host.
   */
  check(url: string | URL): Promise<void>;
  /** The hosts, IPs and CIDR ranges that may be reached on private addresses. */
  readonly allowHosts: readonly string[];
}

export interface OutboundOptions {
  /** @default [] */
  allowHosts?: readonly string[];
  /** DNS resolution, replaceable in tests of the guard itself. */
  resolve?: SsrfPolicy['resolve'];
}

export function createOutboundClient(options: OutboundOptions = {}): OutboundClient {
  const policy: SsrfPolicy = { allowHosts: options.allowHosts ?? [], ...(options.resolve ? { resolve: options.resolve } : {}) };
  // Pooled keep-alive connections: a proxied call then costs no TCP (or TLS) handshake.
  const agents = createGuardedAgents(policy);
  return {
    allowHosts: policy.allowHosts ?? [],
    request: (url, init = {}) => guardedRequest(url, init, policy, agents),
    async check(url) {
      await resolveAllowed(parseOutboundUrl(url).hostname, policy);
    },
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
