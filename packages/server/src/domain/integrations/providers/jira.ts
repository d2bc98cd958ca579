import { defineProvider } from './define-provider.ts';
import { ATLASSIAN_ACCOUNT, ATLASSIAN_NOTES, atlassianAuth } from './atlassian.shared.ts';

/** https://developer.atlassian.com/cloud/jira/platform/rest/v3/ */
export const jira = defineProvider({
  type: 'jira',
  name: 'Jira',
  brandColor: '#0052CC',
  icon: '/integrations/jira.svg',
  auth: atlassianAuth(['read:jira-work', 'write:jira-work', 'read:jira-user']),
  inputs: [],
  account: ATLASSIAN_ACCOUNT,
  // Paragon's proxy paths carry the API prefix: `/rest/api/3/issue`.
  apiBaseUrl: 'https://api.atlassian.com/ex/jira/{cloudId}',
  docsUrl: 'https://developer.atlassian.com/cloud/jira/platform/rest/v3/',
  notes: [...ATLASSIAN_NOTES],
});
