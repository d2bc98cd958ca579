import { staticFolder } from '../../platform/http/static-files.ts';

/** A file of the Connect Portal (`packages/server/portal/`) by name (`portal.js`), or null. */
export const portalAsset = staticFolder(new URL('../../../portal/', import.meta.url));
