import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The Connect Portal's browser files (`packages/server/portal/`): plain ES modules and CSS, no build
 * step, read once and served from memory with an ETag.
 */
const ROOT = fileURLToPath(new URL('../../../portal/', import.meta.url));
const TYPES: Readonly<Record<string, string>> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.html': 'text/html; charset=utf-8' };

export interface PortalAsset {
  body: Buffer;
  type: string;
  etag: string;
}

const cache = new Map<string, PortalAsset | null>();

/** A file of the portal by name (`portal.js`), or null; names with a path are refused. */
export function portalAsset(name: string): PortalAsset | null {
  if (!/^[\w-]+\.(js|css|svg|html)$/.test(name)) return null;
  if (cache.has(name)) return cache.get(name)!;
  let asset: PortalAsset | null = null;
  try {
    const body = fs.readFileSync(ROOT + name);
    const ext = name.slice(name.lastIndexOf('.'));
    asset = { body, type: TYPES[ext]!, etag: `"${body.length.toString(36)}-${fs.statSync(ROOT + name).mtimeMs.toString(36)}"` };
  } catch {
    asset = null;
  }
  cache.set(name, asset);
  return asset;
}
