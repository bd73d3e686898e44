import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * docs/requirements.md says, per requirement, which tests show it ("- Tested: page tests "...", e2e
 * "..."). A test renamed or removed leaves a citation nobody can find: each quoted name must still
 * be (part of) a test's title. "..." in a citation stands for words left out, and " - " joins a
 * describe block's title to its test's, so each piece is looked up on its own.
 */
const root = path.resolve(__dirname, '../..');

function testFiles(dir: string, found: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.') || name === 'lib' || name === 'dist' || name === 'temp') {
      continue;
    }
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      testFiles(full, found);
    } else if (/\.(test|spec)\.tsx?$/.test(name)) {
      found.push(full);
    }
  }
  return found;
}

const STRING = /(['"`])((?:\\.|(?!\1)[^\\])*)\1/;
const unescape = (text: string): string => text.replace(/\\(.)/g, '$1');
/** A title's parts between its printf placeholders (a table test's %s). */
const literalParts = (title: string): string[] => title.split(/%[sdifjop#%]/);

/**
 * Test titles, as the runner prints them where the source says: a table test's (`it.each([...])('... %s ...')`)
 * with its first placeholder filled from each row's first string (or each string of a flat list),
 * and cut at the placeholders left.
 */
function titles(): string[] {
  const found: string[] = [];
  const call = /\b(?:describe|it|test)(?:\.(?:only|skip|concurrent))?\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/g;
  const table = /\b(?:describe|it|test)\.each\(\[([\s\S]*?)\](?:\s*as const)?\s*\)\(\s*(['"`])((?:\\.|(?!\2)[^\\])*)\2/g;
  for (const dir of ['src', 'api/test', 'local-tenant/test', 'local-tenant/conformance', 'e2e', 'tests']) {
    for (const file of testFiles(path.join(root, dir))) {
      const source = readFileSync(file, 'utf8');
      for (const match of source.matchAll(call)) {
        found.push(unescape(match[2]));
      }
      for (const match of source.matchAll(table)) {
        const title = unescape(match[3]);
        const rows = match[1].trim();
        const firsts = /^['"`]/.test(rows)
          ? [...rows.matchAll(new RegExp(STRING.source, 'g'))].map((m) => unescape(m[2]))
          : [...rows.matchAll(new RegExp(`\\[\\s*${STRING.source}`, 'g'))].map((m) => unescape(m[2]));
        found.push(...literalParts(title), ...firsts.flatMap((first) => literalParts(title.replace(/%[sdifjop]/, first))));
      }
    }
  }
  return found;
}

function citations(markdown: string): Array<{ line: number; quoted: string }> {
  const found: Array<{ line: number; quoted: string }> = [];
  const lines = markdown.split('\n');
  let inTested = false;
  let text = '';
  let start = 0;
  const flush = (): void => {
    for (const match of text.matchAll(/"([^"]+)"/g)) {
      found.push({ line: start, quoted: match[1] });
    }
    text = '';
  };
  lines.forEach((line, i) => {
    if (/^- Tested:/.test(line)) {
      flush();
      inTested = true;
      start = i + 1;
      text = line;
    } else if (inTested && /^ {2}\S/.test(line)) {
      text += ` ${line.trim()}`;
    } else {
      if (inTested) {
        flush();
      }
      inTested = false;
    }
  });
  flush();
  return found;
}

describe('docs cite tests that exist', () => {
  it('every test name quoted in docs/requirements.md is part of a test title', () => {
    const all = titles();
    const cited = citations(readFileSync(path.join(root, 'docs/requirements.md'), 'utf8'));
    expect(cited.length).toBeGreaterThan(50);
    const missing = cited.flatMap(({ line, quoted }) => quoted
      .split(/\.\.\.|…/)
      .flatMap((part) => part.split(' - '))
      .map((piece) => piece.trim().replace(/^[,;:]\s*/, '').replace(/[,;:]$/, '').trim())
      .filter((piece) => piece.length >= 6 && !all.some((title) => title.includes(piece)))
      .map((piece) => `requirements.md:${line} "${piece}"`));
    expect(missing).toEqual([]);
  });

  it('finds a name that is not a test', () => {
    const all = titles();
    expect(all.some((title) => title.includes('Cancel restores the stored state'))).toBe(true);
    expect(all.some((title) => title.includes('Save stores the switch in the list and tells the API'))).toBe(false);
    expect(citations('- Tested: page tests "a", e2e "b\n  c"\nnot "d"').map((c) => c.quoted)).toEqual(['a', 'b c']);
  });
});
