import { defineProvider } from './define-provider.ts';
import { GOOGLE_ACCOUNT, GOOGLE_API_ORIGINS, GOOGLE_NOTES, googleAuth } from './google.shared.ts';

/** https://developers.google.com/gmail/api/reference/rest */
export const gmail = defineProvider({
  type: 'gmail',
  name: 'Gmail',
  brandColor: '#EA4335',
  icon: '/integrations/gmail.svg',
  auth: googleAuth(['https://www.googleapis.com/auth/gmail.readonly', 'https://www.googleapis.com/auth/gmail.send']),
  inputs: [],
  account: GOOGLE_ACCOUNT,
  // Paragon's proxy paths carry the API prefix: `/gmail/v1/users/me/messages`, `/upload/gmail/v1/...`.
  apiBaseUrl: 'https://gmail.googleapis.com',
  apiOrigins: [...GOOGLE_API_ORIGINS],
  docsUrl: 'https://developers.google.com/gmail/api/reference/rest',
  notes: [...GOOGLE_NOTES, 'Gmail scopes are restricted: a production app needs Google\'s security assessment.'],
});
