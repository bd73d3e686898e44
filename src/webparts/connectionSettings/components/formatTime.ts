import type { IConnectionSettingsStrings } from '../loc';

/**
 * The browser's zone, named ("GMT+9", "JST", "UTC"): the admins' notices say UTC, and admins of one
 * catalog may sit in different zones - a bare "5:15" would leave them guessing which.
 */
const OPTIONS: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' };
const formats = new Map<string, Intl.DateTimeFormat>();

/**
 * One formatter per language, made once: making one loads the browser's locale data, which costs
 * tens of milliseconds the first time (toLocaleString would make one per call). The page makes it
 * while its data loads, so the first render of the connected view does not (bench:page).
 * The page passes no zone (the browser's); a test passes one.
 */
export function timeFormat(locale: string, timeZone?: string): Intl.DateTimeFormat {
  const key = `${locale} ${timeZone ?? ''}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { ...OPTIONS, timeZone });
    formats.set(key, format);
  }
  return format;
}

/**
 * A time from the API in the page's language; "never" when there is none. The clock and its zone
 * ("8:04 AM UTC") stay on one line: a narrow column (Teams, 400 px) may break before them, not
 * inside them.
 */
export function formatTime(iso: string | null | undefined, strings: IConnectionSettingsStrings): string {
  if (!iso) {
    return strings.never;
  }
  const date = new Date(iso);
  if (isNaN(date.getTime())) {
    return iso;
  }
  return timeFormat(strings.locale).format(date).replace(/\d{1,2}:\d{2}.*$/, (clock) => clock.replace(/\s/g, '\u00a0'));
}
