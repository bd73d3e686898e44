import * as fs from 'fs';
import * as path from 'path';
import { ERROR_CODES } from '@lms-m365/contracts';
import en from './en-us';
import ja from './ja-jp';
import { stringsFor } from './all';
import { format, loadStrings, sentences, withErrorTexts } from './index';

const root = path.resolve(__dirname, '..');

/** A language's catalogue texts (the tests' strings carry them: test/setup.test.ts). */
const catalogueOf = (strings: typeof en): NonNullable<typeof en.errors> => strings.errors as NonNullable<typeof en.errors>;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((files: string[], entry: fs.Dirent) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return entry.name === 'loc' || entry.name === 'test' ? files : files.concat(sourceFiles(full));
    }
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? files.concat(full) : files;
  }, []);
}

describe('strings', () => {
  it('strings - en-US and ja-JP have the same keys, none empty', () => {
    expect(Object.keys(ja).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as Array<keyof typeof en>) {
      expect(`${key}=${en[key]}`).not.toBe(`${key}=`);
      expect(`${key}=${ja[key]}`).not.toBe(`${key}=`);
    }
  });

  it('strings - ja-JP is actually Japanese wherever en-US is a sentence', () => {
    const untranslated = (Object.keys(en) as Array<keyof typeof en>)
      .filter((key) => key !== 'language' && key !== 'locale' && typeof en[key] === 'string' && en[key] === ja[key] && /[a-z]{3,}/i.test(en[key] as string));
    expect(untranslated).toEqual([]);
  });

  it('strings - Japanese takes full-width punctuation after Japanese text (（）：), in the page\'s strings and in the catalogue\'s titles and remedies', () => {
    const texts = [
      ...Object.values(ja).filter((value): value is string => typeof value === 'string'),
      ...ERROR_CODES.flatMap((code) => [catalogueOf(ja)[code].title, catalogueOf(ja)[code].remedy])
    ];
    expect(texts.filter((text) => /[ぁ-んァ-ンー一-龥]\s*[():]/.test(text))).toEqual([]);
  });

  it('strings - each language carries every catalogue code\'s title and remedy, in that language', () => {
    expect(Object.keys(catalogueOf(en)).sort()).toEqual([...ERROR_CODES].sort());
    expect(Object.keys(catalogueOf(ja)).sort()).toEqual([...ERROR_CODES].sort());
    const untranslated = ERROR_CODES.filter((code) => catalogueOf(en)[code].title === catalogueOf(ja)[code].title || catalogueOf(en)[code].remedy === catalogueOf(ja)[code].remedy);
    expect(untranslated).toEqual([]);
  });

  it('strings - the page\'s own codes (LIST_ACCESS_DENIED, LIST_TITLE_TAKEN) are in docs/troubleshooting.md with the page\'s en and ja texts', () => {
    const page = fs.readFileSync(path.resolve(root, '../../../docs/troubleshooting.md'), 'utf8');
    for (const key of ['listAccessDeniedTitle', 'listAccessDeniedRemedy', 'listTitleTakenTitle', 'listTitleTakenRemedy'] as const) {
      expect({ key, en: page.includes(en[key]), ja: page.includes(ja[key]) }).toEqual({ key, en: true, ja: true });
    }
    expect(page).toContain('**LIST_ACCESS_DENIED**');
    expect(page).toContain('**LIST_TITLE_TAKEN**');
  });

  it('strings - every string is used by the page', () => {
    const source = sourceFiles(root).map((file) => fs.readFileSync(file, 'utf8')).join('\n');
    const used = (key: string): boolean => source.split(`strings.${key}`).slice(1).some((rest) => !/^\w/.test(rest));
    const unused = Object.keys(en).filter((key) => !used(key));
    expect(unused).toEqual([]);
  });

  it('strings - the UI culture picks the language', async () => {
    expect(stringsFor('ja-JP')).toBe(ja);
    expect(stringsFor('en-US')).toBe(en);
    expect(stringsFor('fr-FR')).toBe(en);
    expect(await loadStrings('ja-JP')).toBe(ja);
    expect(await loadStrings('en-GB')).toBe(en);
  });

  it('strings - sentences joins Japanese sentences as they are and English ones with a space', () => {
    expect(sentences(ja, ja.signInCancelled, ja.changesKept)).toBe(`${ja.signInCancelled}${ja.changesKept}`);
    expect(sentences(en, en.signInCancelled, en.changesKept)).toBe(`${en.signInCancelled} ${en.changesKept}`);
  });

  it('strings - format fills placeholders in order', () => {
    expect(format(en.testEmailDelivered, 'a@x.test', 'b@x.test')).toBe('The test email from a@x.test to b@x.test was accepted for delivery. Check that it arrives in that mailbox.');
  });

  it('loadErrorTexts - the catalogue\'s texts are not in the page\'s strings: they come, in its language, with the first part that explains an error', async () => {
    // The modules as the web part loads them (this file's setup gave the tests' copies their texts).
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      expect([require('./en-us').default.errors, require('./ja-jp').default.errors]).toEqual([undefined, undefined]);
    });
    const strings = await loadStrings('ja-JP');
    delete strings.errors;
    const ErrorBar = { name: 'a part that explains errors' };
    expect(await withErrorTexts(async () => ErrorBar)()).toBe(ErrorBar);
    expect(catalogueOf(strings).TOKEN_REVOKED.title).toBe('アカウントのサインインが無効になりました。セッションが取り消されたか、パスワードが変更されたか、同意が取り消されています。');
  });
});
