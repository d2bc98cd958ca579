import { staticFolder } from '../../platform/http/static-files.ts';

/** A file of the dashboard (`packages/server/dashboard/`) by name (`app.js`), or null. */
export const dashboardAsset = staticFolder(new URL('../../../dashboard/', import.meta.url));
