import type { AuthMethod, Transport } from './connection';

/** The catalog's non-secret settings as kept in the settings list (docs/design.md). */
export interface ISettings {
  enabled: boolean;
  method: AuthMethod;
  transport: Transport;
  alertRecipients: string[];
}

/** Settings as read from the list, with the ETag a save must send back. */
export interface IStoredSettings extends ISettings {
  /** Undefined while the catalog has no settings item yet. */
  etag: string | undefined;
}

/** R-PAGE-3, R-PAGE-4: off, Modern, Graph. */
export const DEFAULT_SETTINGS: ISettings = {
  enabled: false,
  method: 'modern',
  transport: 'graph',
  alertRecipients: []
};

/**
 * The settings list item's columns the web part writes (issue 10 point 3: one writer per column).
 * The method, transport, account and health columns are the API's: it writes what its connection
 * is, and the page reads them.
 */
export type IAdminSettings = Pick<ISettings, 'enabled' | 'alertRecipients'>;

export function adminSettings(settings: IAdminSettings): IAdminSettings {
  return { enabled: settings.enabled, alertRecipients: settings.alertRecipients };
}

/** Whether two readings agree on everything an admin edits (ETag and the API's columns aside). */
export function sameAdminSettings(a: IAdminSettings, b: IAdminSettings): boolean {
  return a.enabled === b.enabled && a.alertRecipients.join('\n').toLowerCase() === b.alertRecipients.join('\n').toLowerCase();
}
