import type { IConnectionSettingsStrings } from '../loc';

/** A time from the API in the page's language; "never" when there is none. */
export function formatTime(iso: string | null | undefined, strings: IConnectionSettingsStrings): string {
  if (!iso) {
    return strings.never;
  }
  const date = new Date(iso);
  return isNaN(date.getTime()) ? iso : date.toLocaleString(strings.locale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}
