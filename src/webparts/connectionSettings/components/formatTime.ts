import type { IConnectionSettingsStrings } from '../loc';

const OPTIONS: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' };
const formats = new Map<string, Intl.DateTimeFormat>();

/**
 * One formatter per language, made once: making one loads the browser's locale data, which costs
 * tens of milliseconds the first time (toLocaleString would make one per call). The page makes it
 * while its data loads, so the first render of the connected view does not (bench:page).
 */
export function timeFormat(locale: string): Intl.DateTimeFormat {
  let format = formats.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, OPTIONS);
    formats.set(locale, format);
  }
  return format;
}

/** A time from the API in the page's language; "never" when there is none. */
export function formatTime(iso: string | null | undefined, strings: IConnectionSettingsStrings): string {
  if (!iso) {
    return strings.never;
  }
  const date = new Date(iso);
  return isNaN(date.getTime()) ? iso : timeFormat(strings.locale).format(date);
}
