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

  it('strings - Japanese terms: 通知 is the learners\' notifications (alerts are アラート), Place.Read.All is 読み取り throughout, what Disconnect leaves is 保留 as the deliveries call it (no キュー), a check says when (日時), not たった今', () => {
    const values = Object.values(ja).filter((value): value is string => typeof value === 'string');
    expect(ja.alertRecipientsLabel).toContain('アラートを送る相手');
    expect(ja.alertRecipientsLabel).not.toContain('通知する');
    expect(values.filter((value) => value.includes('参照'))).toEqual([]);
    expect(values.filter((value) => value.includes('Place.Read.All')).every((value) => value.includes('会議室の読み取り（Place.Read.All）'))).toBe(true);
    expect(values.filter((value) => /キュー|たった今/.test(value))).toEqual([]);
    expect([ja.disconnectWaiting, ja.disconnectWaitingCount, ja.disconnectWaitingOne].every((value) => value.includes('保留され') && ja.deliveryStatusHeld === '保留')).toBe(true);
    expect([en.disconnectWaiting, en.disconnectWaitingCount, en.disconnectWaitingOne].every((value) => / (are|is) held /.test(value) && en.deliveryStatusHeld === 'Held')).toBe(true);
    expect(ja.lastCheckLabel).toBe('最終確認日時');
    expect([ja.checkedWorks, ja.checkedNotWorking].every((value) => value.startsWith('確認しました。'))).toBe(true);
    expect(ja.testEmailDelivered.startsWith('{0} から {1} へのテスト メールの送信を受け付けました。')).toBe(true);
    expect(ja.orgConsentHelp).not.toMatch(/^あなたは/);
  });

  it('strings - what goes in brackets inside a Japanese sentence is a noun phrase, not a sentence of its own (です/ます)', () => {
    for (const key of ['listNoAnswer', 'listChangedMeanwhile', 'listUnexpected'] as const) {
      expect({ key, text: ja[key] }).not.toEqual({ key, text: expect.stringMatching(/(ます|ました|ません|です)。?$/) });
    }
    expect(format(ja.listNotUpdated, ja.listNoAnswer)).toContain('更新できなかったため（SharePoint からの応答なし）、');
  });

  it('strings - a name with its address, and the parts of a line, in each language\'s form; one refused recipient is not "of its 1 recipients"', () => {
    expect(format(en.nameWithEmail, 'Alex', 'alex@contoso.test')).toBe('Alex <alex@contoso.test>');
    expect(format(ja.nameWithEmail, 'Alex', 'alex@contoso.test')).toBe('Alex（alex@contoso.test）');
    expect([en.inlineSeparator, ja.inlineSeparator]).toEqual([' · ', '・']);
    expect(en.deliveriesRefusedOnly).not.toMatch(/\b1 recipients|\{/);
    // The Japanese Disconnect button is the verb alone: the dialog's title names the account.
    expect(ja.disconnectConfirm).toBe('接続を解除');
    expect(ja.disconnectDialogTitle).toContain('{0}');
  });
});
