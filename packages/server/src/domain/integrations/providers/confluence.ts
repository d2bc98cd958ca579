import { defineProvider } from './define-provider.ts';
import { ATLASSIAN_ACCOUNT, ATLASSIAN_NOTES, atlassianAuth } from './atlassian.shared.ts';

/** https://developer.atlassian.com/cloud/confluence/rest/v2/ */
export const confluence = defineProvider({
  type: 'confluence',
  name: 'Confluence',
  brandColor: '#1868DB',
  icon: '/integrations/confluence.svg',
  auth: atlassianAuth(['read:page:confluence', 'write:page:confluence', 'read:space:confluence']),
  inputs: [],
  account: ATLASSIAN_ACCOUNT,
  // Paragon's proxy paths carry the API prefix: `/wiki/api/v2/pages`.
  apiBaseUrl: 'https://api.atlassian.com/ex/confluence/{cloudId}',
  docsUrl: 'https://developer.atlassian.com/cloud/confluence/rest/v2/',
  notes: [
    ...ATLASSIAN_NOTES,
    'Default scopes are granular v2 scopes (pages and spaces); the v1 API needs the classic scopes instead.',
  ],
});
