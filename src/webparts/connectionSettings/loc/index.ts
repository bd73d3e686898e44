import type { IConnectionSettingsStrings } from './IConnectionSettingsStrings';

export type { IConnectionSettingsStrings };

export function isJapanese(uiCultureName: string): boolean {
  return /^ja/i.test(uiCultureName);
}

/**
 * Japanese for any ja* UI culture, English otherwise (R-PAGE-8). Each language is its own chunk,
 * so a page loads only the strings it shows.
 */
export function loadStrings(uiCultureName: string): Promise<IConnectionSettingsStrings> {
  return (isJapanese(uiCultureName)
    ? import(/* webpackChunkName: 'lms-strings-ja' */ './ja-jp').then((m) => m.default)
    : import(/* webpackChunkName: 'lms-strings-en' */ './en-us').then((m) => m.default)
  ).then((strings) => {
    pageStrings = strings;
    return strings;
  });
}

/** The strings the page loaded (one language a page). */
let pageStrings: IConnectionSettingsStrings | undefined;
let errorTexts: Promise<void> | undefined;

/**
 * The error catalogue's texts in the page's language, put on its strings (`errors`): a chunk of
 * their own, fetched with the first part that explains an error (see withErrorTexts), not with the
 * page - most visits show none, and every code's title and remedy is most of a language's text.
 * Strings not loaded by loadStrings (tests) carry their texts already, or show the code alone.
 */
export function loadErrorTexts(): Promise<void> {
  const strings = pageStrings;
  if (!strings || strings.errors) {
    return Promise.resolve();
  }
  if (!errorTexts) {
    const loading = strings.language === 'ja'
      ? import(/* webpackChunkName: 'lms-errors-ja' */ '@lms-m365/contracts/errors/ja')
      : import(/* webpackChunkName: 'lms-errors-en' */ '@lms-m365/contracts/errors/en');
    errorTexts = loading.then((m) => {
      strings.errors = m.default;
    }, (error: unknown) => {
      // Not remembered: the next part that needs them asks again (its boundary offers Reload).
      errorTexts = undefined;
      throw error;
    });
  }
  return errorTexts;
}

/** A lazily loaded part that explains errors: its code, and the error texts it shows. */
export function withErrorTexts<T>(load: () => Promise<T>): () => Promise<T> {
  return () => Promise.all([load(), loadErrorTexts()]).then(([module]) => module);
}

/**
 * Fills {0}, {1}... placeholders. Not sp-core-library's Text.format: outside SharePoint's own
 * runtime that package cannot be loaded - its Text module requires SPCoreLibraryStrings.resx (an
 * XML resource only Microsoft's build turns into a module) and its index requires
 * @ms/odsp-core-bundle, which npm does not install - so jest, the preview host's bundle and the
 * browser tests (which import these strings) would all need stand-ins for Microsoft's internals.
 */
export function format(template: string, ...values: string[]): string {
  return template.replace(/\{(\d)\}/g, (match: string, index: string) => {
    const value = values[Number(index)];
    return value === undefined ? match : value;
  });
}

/** What goes between two sentences: nothing in Japanese (its 。 ends one), a space in English. */
export function sentenceGap(strings: Pick<IConnectionSettingsStrings, 'language'>): string {
  return strings.language === 'ja' ? '' : ' ';
}

/** Sentences one after the other: Japanese joins them as they are, English with a space. */
export function sentences(strings: Pick<IConnectionSettingsStrings, 'language'>, ...parts: string[]): string {
  return parts.join(sentenceGap(strings));
}
