import { defineProvider } from './define-provider.ts';
import { MICROSOFT_ACCOUNT, MICROSOFT_GRAPH, MICROSOFT_NOTES, microsoftAuth } from './microsoft.shared.ts';

/** https://learn.microsoft.com/graph/api/resources/mail-api-overview */
export const outlook = defineProvider({
  type: 'outlook',
  name: 'Outlook',
  brandColor: '#0078D4',
  icon: '/integrations/outlook.svg',
  auth: microsoftAuth(['Mail.ReadWrite', 'Mail.Send', 'Calendars.ReadWrite']),
  inputs: [],
  account: MICROSOFT_ACCOUNT,
  apiBaseUrl: MICROSOFT_GRAPH,
  docsUrl: 'https://learn.microsoft.com/graph/api/resources/mail-api-overview',
  notes: [...MICROSOFT_NOTES],
});
