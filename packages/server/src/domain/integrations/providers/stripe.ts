import { defineProvider } from './define-provider.ts';

/** https://docs.stripe.com/keys */
export const stripe = defineProvider({
  type: 'stripe',
  name: 'Stripe',
  brandColor: '#635BFF',
  icon: '/integrations/stripe.svg',
  auth: {
    scheme: 'api_key',
    // Stripe takes the key as the basic-auth user name, with an empty password.
    apiAuthorization: { style: 'basic', username: '{apiKey}', password: '' },
  },
  inputs: [
    {
      id: 'apiKey',
      label: 'Secret or restricted API key',
      type: 'password',
      required: true,
      pattern: '^(?:sk|rk)_(?:test|live)_[A-Za-z0-9]{10,247}$',
      example: 'rk_test_0123456789abcdefghij',
      help: 'Create one under Developers > API keys in the Stripe Dashboard.',
    },
  ],
  account: {
    request: { method: 'GET', url: 'https://api.stripe.com/v1/account' },
    providerId: 'account.id',
    providerData: { displayName: { from: 'account.settings.dashboard.display_name' } },
  },
  // Paragon's proxy paths carry the version: `/v1/customers`.
  apiBaseUrl: 'https://api.stripe.com',
  docsUrl: 'https://docs.stripe.com/api',
  notes: ['A restricted key must be allowed to read the account (Connect resources), or the account check at install fails, as Paragon documents for its own portal.'],
});
