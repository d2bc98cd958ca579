import { defineProvider } from './define-provider.ts';

const DATA_CENTER = '^[a-z]{2,4}[0-9]{1,3}$';

/** https://mailchimp.com/developer/marketing/guides/quick-start/ */
export const mailchimp = defineProvider({
  type: 'mailchimp',
  name: 'Mailchimp',
  brandColor: '#FFE01B',
  icon: '/integrations/mailchimp.svg',
  auth: {
    scheme: 'api_key',
    // Any user name; the key is the password.
    apiAuthorization: { style: 'basic', username: 'portico', password: '{apiKey}' },
  },
  inputs: [
    {
      id: 'apiKey',
      label: 'API key',
      type: 'password',
      required: true,
      pattern: '^[0-9a-f]{32}-[a-z]{2,4}[0-9]{1,3}$',
      example: '0123456789abcdef0123456789abcdef-us21',
      help: 'Create one under Profile > Extras > API keys in Mailchimp.',
    },
  ],
  account: {
    request: { method: 'GET', url: 'https://{dc}.api.mailchimp.com/3.0/' },
    providerId: 'account.account_id',
    providerData: {
      // The key's suffix names the data centre that hosts the account.
      dc: { from: 'input.apiKey', extract: '-([a-z]{2,4}[0-9]{1,3})$', pattern: DATA_CENTER, example: 'us21' },
      accountName: { from: 'account.account_name' },
    },
  },
  apiBaseUrl: 'https://{dc}.api.mailchimp.com/3.0',
  docsUrl: 'https://mailchimp.com/developer/marketing/api/',
  notes: [
    'Paragon connects Mailchimp with OAuth 2.0 (the data centre then comes from login.mailchimp.com/oauth2/metadata); Portico ships the API-key variant, so the wire `authenticationType` is `basic` here.',
  ],
});
