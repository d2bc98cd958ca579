import { defineProvider } from './define-provider.ts';
import { GOOGLE_ACCOUNT, GOOGLE_API_ORIGINS, GOOGLE_NOTES, googleAuth } from './google.shared.ts';

/** https://developers.google.com/drive/api/reference/rest/v3 */
export const googledrive = defineProvider({
  type: 'googledrive',
  name: 'Google Drive',
  brandColor: '#1FA463',
  icon: '/integrations/googledrive.svg',
  auth: googleAuth(['https://www.googleapis.com/auth/drive.file']),
  inputs: [],
  account: GOOGLE_ACCOUNT,
  apiBaseUrl: 'https://www.googleapis.com/drive/v3',
  apiOrigins: [...GOOGLE_API_ORIGINS],
  docsUrl: 'https://developers.google.com/drive/api/reference/rest/v3',
  notes: [...GOOGLE_NOTES, 'The default scope drive.file only reaches files the app created or the user picked (file picker); full-drive access needs the restricted `drive` scope.'],
});
