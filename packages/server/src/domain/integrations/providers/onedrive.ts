import { defineProvider } from './define-provider.ts';
import { MICROSOFT_ACCOUNT, MICROSOFT_GRAPH, MICROSOFT_NOTES, microsoftAuth } from './microsoft.shared.ts';

/** https://learn.microsoft.com/graph/api/resources/onedrive */
export const onedrive = defineProvider({
  type: 'onedrive',
  name: 'OneDrive',
  brandColor: '#0364B8',
  icon: '/integrations/onedrive.svg',
  auth: microsoftAuth(['Files.ReadWrite.All']),
  inputs: [],
  account: MICROSOFT_ACCOUNT,
  apiBaseUrl: MICROSOFT_GRAPH,
  docsUrl: 'https://learn.microsoft.com/graph/api/resources/onedrive',
  notes: [...MICROSOFT_NOTES, 'The SDK\'s file picker reads accountAuth.DOMAIN for OneDrive; which value Paragon puts there is not known.'],
});
