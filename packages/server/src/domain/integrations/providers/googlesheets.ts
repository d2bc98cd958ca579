import { defineProvider } from './define-provider.ts';
import { GOOGLE_ACCOUNT, GOOGLE_API_ORIGINS, GOOGLE_NOTES, googleAuth } from './google.shared.ts';

/** https://developers.google.com/sheets/api/reference/rest */
export const googlesheets = defineProvider({
  type: 'googlesheets',
  name: 'Google Sheets',
  brandColor: '#0F9D58',
  icon: '/integrations/googlesheets.svg',
  auth: googleAuth(['https://www.googleapis.com/auth/spreadsheets']),
  inputs: [],
  account: GOOGLE_ACCOUNT,
  apiBaseUrl: 'https://sheets.googleapis.com/v4',
  apiOrigins: [...GOOGLE_API_ORIGINS],
  docsUrl: 'https://developers.google.com/sheets/api/reference/rest',
  notes: [...GOOGLE_NOTES],
});
