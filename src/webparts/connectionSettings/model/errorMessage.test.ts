import { ERROR_CATALOGUE } from '@lms-m365/contracts';
import en from '../loc/en-us';
import ja from '../loc/ja-jp';
import { appError } from './appError';
import { messageForCode, messageForError } from './errorMessage';

describe('errorMessage', () => {
  const codes = Object.keys(ERROR_CATALOGUE) as Array<keyof typeof ERROR_CATALOGUE>;

  it.each(codes)('errorMessage - %s shows the catalogue title and remedy in both languages', (code) => {
    const english = messageForError(appError('problem', { code, status: ERROR_CATALOGUE[code].status }), en);
    expect(english.title).toBe(ERROR_CATALOGUE[code].title.en);
    expect(english.remedy).toBe(ERROR_CATALOGUE[code].remedy.en);
    expect(english.codeLine).toBe(`Error code: ${code}`);
    const japanese = messageForCode(code, ja);
    expect(japanese.title).toBe(ERROR_CATALOGUE[code].title.ja);
    expect(japanese.remedy).toBe(ERROR_CATALOGUE[code].remedy.ja);
  });

  it('errorMessage - an unknown code still shows a message and the code', () => {
    const message = messageForCode('SOMETHING_NEW', en);
    expect(message.title).toBe(en.unknownError);
    expect(message.codeLine).toBe('Error code: SOMETHING_NEW');
  });

  it('errorMessage - a conflict offers to reload', () => {
    const message = messageForError(appError('conflict'), ja);
    expect(message.title).toBe(ja.conflictTitle);
    expect(message.offerReload).toBe(true);
  });

  it('errorMessage - timeouts and network failures say what happened', () => {
    expect(messageForError(appError('timeout'), en).title).toBe(en.timeoutError);
    expect(messageForError(appError('network'), en).title).toBe(en.networkError);
    expect(messageForError(appError('unknown'), en).title).toBe(en.unknownError);
  });
});
