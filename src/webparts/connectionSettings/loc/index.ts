import type { IConnectionSettingsStrings } from './IConnectionSettingsStrings';
import en from './en-us';
import ja from './ja-jp';

export type { IConnectionSettingsStrings };

/** Japanese for any ja* UI culture, English otherwise (R-PAGE-8). */
export function stringsFor(uiCultureName: string): IConnectionSettingsStrings {
  return /^ja/i.test(uiCultureName) ? ja : en;
}

/** Fills {0}, {1}... placeholders. */
export function format(template: string, ...values: string[]): string {
  return template.replace(/\{(\d)\}/g, (match: string, index: string) => {
    const value = values[Number(index)];
    return value === undefined ? match : value;
  });
}
