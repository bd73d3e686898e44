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
  return isJapanese(uiCultureName)
    ? import(/* webpackChunkName: 'lms-strings-ja' */ './ja-jp').then((m) => m.default)
    : import(/* webpackChunkName: 'lms-strings-en' */ './en-us').then((m) => m.default);
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
