import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A browser file served from memory. */
export interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
}

const TYPES: Readonly<Record<string, string>> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.html': 'text/html; charset=utf-8' };

/**
 * The files of one folder of plain browser files (no build step), each read once and kept in
 * memory with an ETag. The lookup takes a bare file name (`app.js`); names with a path, or of
 * another type than js, css, svg and html, are refused (null), as are missing files.
 */
export function staticFolder(folder: URL): (name: string) => StaticFile | null {
  const root = fileURLToPath(folder);
  const cache = new Map<string, StaticFile | null>();
  return (name) => {
    if (!/^[\w-]+\.(js|css|svg|html)$/.test(name)) return null;
    if (cache.has(name)) return cache.get(name)!;
    let file: StaticFile | null = null;
    try {
      const body = fs.readFileSync(root + name);
      const ext = name.slice(name.lastIndexOf('.'));
      file = { body, type: TYPES[ext]!, etag: `"${body.length.toString(36)}-${fs.statSync(root + name).mtimeMs.toString(36)}"` };
    } catch {
      file = null;
    }
    cache.set(name, file);
    return file;
  };
}
