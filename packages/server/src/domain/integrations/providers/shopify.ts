import { defineProvider } from './define-provider.ts';

const SHOP = '^[a-zA-Z0-9][a-zA-Z0-9-]{0,59}$';

/** https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant */
export const shopify = defineProvider({
  type: 'shopify',
  name: 'Shopify',
  brandColor: '#96BF48',
  icon: '/integrations/shopify.svg',
  auth: {
    scheme: 'oauth2',
    authorizationUrl: 'https://{shop}.myshopify.com/admin/oauth/authorize',
    tokenUrl: 'https://{shop}.myshopify.com/admin/oauth/access_token',
    defaultScopes: ['read_products', 'read_orders', 'read_customers'],
    scopeSeparator: ',',
    pkce: 'none',
    tokenAuthMethod: 'client_secret_post',
    // Offline access tokens do not expire.
    refresh: { mode: 'none' },
    apiAuthorization: { style: 'header', name: 'X-Shopify-Access-Token', format: '{accessToken}' },
  },
  inputs: [
    {
      id: 'shop',
      label: 'Store name',
      type: 'text',
      required: true,
      pattern: SHOP,
      example: 'acme-store',
      help: 'The part before .myshopify.com in your store\'s admin address.',
      prefix: 'https://',
      suffix: '.myshopify.com',
    },
  ],
  account: {
    request: { method: 'GET', url: 'https://{shop}.myshopify.com/admin/api/2024-01/shop.json' },
    providerId: 'account.shop.id',
    providerData: {
      shop: { from: 'input.shop', pattern: SHOP, example: 'acme-store' },
      domain: { from: 'account.shop.domain' },
    },
  },
  // Paragon's proxy paths carry the versioned prefix (`/admin/api/2020-10/customers.json`), so the
  // base stops at the shop; callers choose the API version.
  apiBaseUrl: 'https://{shop}.myshopify.com',
  docsUrl: 'https://shopify.dev/docs/api/admin-rest',
  notes: [
    'The OAuth callback carries an `hmac` and a `shop` parameter: the install flow must verify the HMAC with the client secret and that `shop` is the one the user typed.',
    'Shopify has begun issuing expiring offline tokens with refresh tokens to new apps; this definition assumes non-expiring offline tokens.',
    'There is no per-user revocation: DELETE /admin/api_permissions/current.json uninstalls the app from the whole shop, so uninstall does not revoke.',
    'The account call pins API version 2024-01, which Shopify retires after a year; it must be bumped.',
  ],
});
