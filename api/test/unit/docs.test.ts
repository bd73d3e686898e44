import { readFileSync } from 'node:fs';
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
