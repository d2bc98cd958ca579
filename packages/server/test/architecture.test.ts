import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../src');

interface ImportEdge {
  from: string;
  to: string;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every relative import (static, dynamic, type-only) between files under src/, as src-relative paths. */
function importEdges(): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of sourceFiles(SRC)) {
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = path.resolve(path.dirname(file), match[1]!);
      edges.push({ from: path.relative(SRC, file), to: path.relative(SRC, target) });
    }
  }
  return edges;
}

const layerOf = (file: string) => file.split(path.sep)[0]!;
const roomOf = (file: string) => (layerOf(file) === 'domain' ? file.split(path.sep)[1] : undefined);

/** What each layer may import: imports run api -> domain -> platform, boot and cli assemble. */
const ALLOWED: Record<string, readonly string[]> = {
  platform: ['platform'],
  domain: ['domain', 'platform'],
  api: ['api', 'domain', 'platform'],
  boot: ['boot', 'api', 'domain', 'platform'],
  cli: ['cli', 'boot', 'domain', 'platform'],
};

describe('architecture', () => {
  const edges = importEdges();

  it('has imports in every layer (the scan works)', () => {
    for (const layer of ['platform', 'domain', 'api', 'boot', 'cli']) {
      expect(edges.some((e) => layerOf(e.from) === layer), layer).toBe(true);
    }
  });

  it('imports run one way: api -> domain -> platform; platform imports no feature', () => {
    const wrong = edges
      .filter((e) => !(ALLOWED[layerOf(e.from)] ?? []).includes(layerOf(e.to)))
      .map((e) => `${e.from} -> ${e.to}`);
    expect(wrong).toEqual([]);
  });

  it('a domain room reaches another room only through its facade (index.ts)', () => {
    const wrong = edges
      .filter((e) => {
        const from = roomOf(e.from);
        const to = roomOf(e.to);
        if (!from || !to || from === to) return false;
        // Files directly in domain/ (the database aggregate and the context) are shared by every room.
        if (e.to.split(path.sep).length === 2 || e.from.split(path.sep).length === 2) return false;
        // The migration list registers each room's migrations/ files, and nothing else of the room.
        if (from === 'migrations' && e.to.split(path.sep)[2] === 'migrations') return false;
        return path.basename(e.to) !== 'index.ts';
      })
      .map((e) => `${e.from} -> ${e.to}`);
    expect(wrong).toEqual([]);
  });
});
