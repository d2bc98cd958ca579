import { defineProvider } from './define-provider.ts';
import { MICROSOFT_ACCOUNT, MICROSOFT_GRAPH, MICROSOFT_NOTES, microsoftAuth } from './microsoft.shared.ts';

/** https://learn.microsoft.com/graph/api/resources/teams-api-overview */
export const microsoftTeams = defineProvider({
  type: 'microsoftTeams',
  name: 'Microsoft Teams',
  brandColor: '#6264A7',
  icon: '/integrations/microsoftTeams.svg',
  auth: microsoftAuth(['Team.ReadBasic.All', 'Channel.ReadBasic.All', 'ChannelMessage.Send', 'Chat.ReadWrite']),
  inputs: [],
  account: MICROSOFT_ACCOUNT,
  apiBaseUrl: MICROSOFT_GRAPH,
  docsUrl: 'https://learn.microsoft.com/graph/api/resources/teams-api-overview',
  notes: [
    ...MICROSOFT_NOTES,
    'Paragon\'s Teams docs show relative proxy paths such as `channels`, suggesting a team-scoped base; Portico uses the plain Graph base, so callers send `/teams/{id}/channels`.',
  ],
});
