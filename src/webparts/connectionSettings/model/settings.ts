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

/** Whether two readings agree on everything an admin edits (ETag and API-written fields aside). */
export function sameSettings(a: ISettings, b: ISettings): boolean {
  return a.enabled === b.enabled && a.method === b.method && a.transport === b.transport &&
    a.alertRecipients.join('\n').toLowerCase() === b.alertRecipients.join('\n').toLowerCase();
}
