import { defineProvider } from './define-provider.ts';
import { GOOGLE_ACCOUNT, GOOGLE_API_ORIGINS, GOOGLE_NOTES, googleAuth } from './google.shared.ts';

/** https://developers.google.com/calendar/api/v3/reference */
export const googlecalendar = defineProvider({
  type: 'googlecalendar',
  name: 'Google Calendar',
  brandColor: '#4285F4',
  icon: '/integrations/googlecalendar.svg',
  auth: googleAuth(['https://www.googleapis.com/auth/calendar.events', 'https://www.googleapis.com/auth/calendar.readonly']),
  inputs: [],
  account: GOOGLE_ACCOUNT,
  apiBaseUrl: 'https://www.googleapis.com/calendar/v3',
  apiOrigins: [...GOOGLE_API_ORIGINS],
  docsUrl: 'https://developers.google.com/calendar/api/v3/reference',
  notes: [...GOOGLE_NOTES],
});
