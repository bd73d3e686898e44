import { ERROR_CATALOGUE, type ErrorCode } from './catalogue';

export type Language = 'en' | 'ja';

export interface IErrorText {
  /** One line: what went wrong. */
  title: string;
  /** What the admin should do about it. */
  remedy: string;
}

/** Every code's title and remedy in one language: what a page that speaks that language needs. */
export type ErrorTexts = Record<ErrorCode, IErrorText>;

export function errorTexts(language: Language): ErrorTexts {
  const texts = {} as ErrorTexts;
  for (const code of Object.keys(ERROR_CATALOGUE) as ErrorCode[]) {
    const entry = ERROR_CATALOGUE[code];
    texts[code] = { title: entry.title[language], remedy: entry.remedy[language] };
  }
  return texts;
}
