import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ERROR_CATALOGUE } from '@lms-m365/contracts';

describe('docs/troubleshooting.md', () => {
  const page = readFileSync(path.resolve(__dirname, '../../../docs/troubleshooting.md'), 'utf8');

  it('troubleshooting - lists every catalogue code with its status, en and ja title and remedy', () => {
    for (const [code, def] of Object.entries(ERROR_CATALOGUE)) {
      const start = page.indexOf(`\n## ${code}\n`);
      expect({ code, listed: start >= 0 }).toEqual({ code, listed: true });
      const section = page.slice(start, page.indexOf('\n## ', start + 4) === -1 ? undefined : page.indexOf('\n## ', start + 4));
      for (const text of [`HTTP ${def.status}`, def.title.en, def.title.ja, def.remedy.en, def.remedy.ja]) {
        expect({ code, text, present: section.includes(text) }).toEqual({ code, text, present: true });
      }
    }
  });

  it('troubleshooting - names no code the catalogue does not have', () => {
    const headings = [...page.matchAll(/^## ([A-Z_]+)$/gm)].map((m) => m[1]);
    expect(headings.sort()).toEqual(Object.keys(ERROR_CATALOGUE).sort());
  });
});

describe('docs/requirements.md', () => {
  const root = path.resolve(__dirname, '../../..');
  const page = readFileSync(path.join(root, 'docs/requirements.md'), 'utf8');
  const documented = new Set([...page.matchAll(/^### (R-[A-Z]+-\d+) /gm)].map((m) => m[1]));

  /** Every tracked source, test, script and doc file (git ls-files), minus lock files. */
  function trackedFiles(): string[] {
    const listed = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0');
    return listed.filter((file) => /\.(ts|tsx|js|mjs|md|json|xml)$/.test(file) && !file.endsWith('package-lock.json') && existsSync(path.join(root, file)));
  }

  it('requirements - every requirement id cited in code, tests or docs has its entry', () => {
    const cited = new Map<string, string>();
    for (const file of trackedFiles()) {
      for (const match of readFileSync(path.join(root, file), 'utf8').matchAll(/\bR-[A-Z]+-\d+\b/g)) {
        if (!cited.has(match[0])) {
          cited.set(match[0], file);
        }
      }
    }
    expect(cited.size).toBeGreaterThan(20);
    const missing = [...cited].filter(([id]) => !documented.has(id)).map(([id, file]) => `${id} (${file})`);
    expect(missing).toEqual([]);
  });

  it('requirements - each entry says where it is built and where it is tested', () => {
    const entries = page.split(/^### /m).slice(1);
    expect(entries.length).toBe(documented.size);
    const incomplete = entries.filter((entry) => !/^- Built: /m.test(entry) || !/^- Tested: /m.test(entry)).map((entry) => entry.split(' ')[0]);
    expect(incomplete).toEqual([]);
  });
});
