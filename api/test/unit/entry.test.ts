import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

const src = path.resolve(__dirname, '../../src');

/** Every module the production entry can load: relative imports followed, packages collected. */
function importGraph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) {
      return;
    }
    files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/(?:from|import|require)\s*\(?\s*'([^']+)'/g)) {
      const specifier = match[1];
      if (specifier.startsWith('.')) {
        const base = path.resolve(path.dirname(file), specifier);
        const resolved = [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => existsSync(candidate));
        if (!resolved) {
          throw new Error(`${file}: cannot resolve ${specifier}`);
        }
        visit(resolved);
      } else {
        packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);
      }
    }
  };
  visit(entry);
  return { files: [...files].map((f) => path.relative(src, f)), packages: [...packages] };
}

describe('entries', () => {
  test('production entry - never reaches the Azurite launcher or the azurite package', () => {
    const graph = importGraph(path.join(src, 'main.ts'));
    expect(graph.files).toContain('app.ts');
    expect(graph.files.filter((f) => f.startsWith('..'))).toEqual([]);
    expect(graph.packages).toContain('fastify');
    expect(graph.packages).not.toContain('azurite');
  });
});
