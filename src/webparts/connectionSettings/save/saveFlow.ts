import { toAppError, type IAppError } from '../model/appError';
import type { AuthMethod, IConnectionView } from '../model/connection';
import { classicNeedsCredentials, dirtyFields, modernNeedsSignIn, settingsFromForm, type IFormValues } from '../model/form';
import { sameSettings, type ISettings, type IStoredSettings } from '../model/settings';
import type { IServices } from '../services/interfaces';

/**
 * Save and Connect, all or nothing (issue 14, point 3): a new connection is made at the API first,
 * and only once the API confirms it are the settings written - to the API, then to the settings
 * list. A wrong password or a declined sign-in leaves the list and the API exactly as they were.
 */

/** What pressing the page's primary action does with the form as it is. */
export type SaveStep =
  /** Nothing changed: nothing to do. */
  | 'nothing'
  /** Only settings changed (switch, recipients): the connection stays. */
  | 'settings'
  /** Check the address and password at the API, then save. */
  | 'classic'
  /** Sign in at Microsoft, then save. */
  | 'modern';

export function planSave(baseline: IFormValues, values: IFormValues, view: IConnectionView | undefined, forceSignIn: boolean = false): SaveStep {
  if (values.method === 'modern' && (forceSignIn || modernNeedsSignIn(baseline, values, view))) {
    return 'modern';
  }
  if (classicNeedsCredentials(baseline, values, view)) {
    return 'classic';
  }
  return dirtyFields(baseline, values).length > 0 ? 'settings' : 'nothing';
}

export interface ISaved {
  view: IConnectionView;
  stored: IStoredSettings;
}

/** A connection was made but the settings that go with it were not written. */
export interface IPartlySaved extends ISaved {
  error: IAppError;
}

function settingsFromView(view: IConnectionView, fallback: AuthMethod): ISettings {
  return { enabled: view.enabled, method: view.method || fallback, transport: view.transport, alertRecipients: view.alertRecipients };
}

/**
 * Writes the settings item with the ETag it was read with. The API also writes to the item (it
 * mirrors its connection there) without touching what an admin edits; so a stale ETag is a
 * conflict only when the item holds something neither this page nor the API put there.
 */
async function writeList(services: IServices, settings: ISettings, base: IStoredSettings, views: IConnectionView[]): Promise<IStoredSettings> {
  try {
    return await services.settingsStore.save(settings, base.etag);
  } catch (error) {
    if (toAppError(error).kind !== 'conflict') {
      throw error;
    }
    const fresh = await services.settingsStore.load();
    if (sameSettings(fresh, settings)) {
      return fresh;
    }
    // The API's mirror may have written its record from before or after this save's change.
    if (!sameSettings(fresh, base) && !views.some((view: IConnectionView) => sameSettings(fresh, settingsFromView(view, fresh.method)))) {
      throw error;
    }
    return services.settingsStore.save(settings, fresh.etag);
  }
}

function sameList(a: string[], b: string[]): boolean {
  return a.join('\n').toLowerCase() === b.join('\n').toLowerCase();
}

/**
 * The switch and the recipients to the API with the view's ETag. The API changes its record by
 * itself too (a health check, a test email, the keep-alive): a stale ETag is someone else's change
 * only when what an admin edits differs from what this page read.
 */
async function patchConnection(services: IServices, settings: ISettings, view: IConnectionView): Promise<IConnectionView> {
  const patch = { enabled: settings.enabled, alertRecipients: settings.alertRecipients };
  try {
    return await services.connectionApi.updateConnection(patch, view.etag);
  } catch (error) {
    if (toAppError(error).kind !== 'conflict') {
      throw error;
    }
    const fresh = await services.connectionApi.getConnection();
    if (fresh.enabled !== view.enabled || !sameList(fresh.alertRecipients, view.alertRecipients)) {
      throw error;
    }
    return services.connectionApi.updateConnection(patch, fresh.etag);
  }
}

/** The settings of the form to the API (the authority for sending), then to the settings list. */
export async function saveSettings(services: IServices, values: IFormValues, stored: IStoredSettings, view: IConnectionView): Promise<ISaved> {
  const settings = settingsFromForm(values);
  let newView = view;
  if (view.enabled !== settings.enabled || !sameList(view.alertRecipients, settings.alertRecipients)) {
    newView = await patchConnection(services, settings, view);
  }
  const listed: ISettings = { ...settings, method: newView.method || settings.method };
  const newStored = stored.etag !== undefined && sameSettings(stored, listed) ? stored : await writeList(services, listed, stored, [view, newView]);
  return { view: newView, stored: newStored };
}

/**
 * After a connection was made at the API: its view, then the form's settings. A failure of the
 * settings is reported with the connection that does exist.
 */
async function settleAfterConnect(services: IServices, values: IFormValues, stored: IStoredSettings, view: IConnectionView): Promise<ISaved | IPartlySaved> {
  try {
    return await saveSettings(services, values, stored, view);
  } catch (error) {
    const current = await services.connectionApi.getConnection().catch(() => view);
    const list = await services.settingsStore.load().catch(() => stored);
    return { view: current, stored: list, error: toAppError(error) };
  }
}

/** Classic: the API checks the password with an SMTP login; nothing is written unless it succeeds. */
export async function connectClassic(services: IServices, values: IFormValues, stored: IStoredSettings): Promise<ISaved | IPartlySaved> {
  const view = await services.connectionApi.connectClassic(values.classicEmail.trim(), values.classicPassword);
  return settleAfterConnect(services, values, stored, view);
}

/** Modern: where the sign-in starts. The transport goes with it; it is the API's once the sign-in succeeds. */
export async function startModern(services: IServices, values: IFormValues, pageOrigin: string): Promise<string> {
  const start = await services.connectionApi.startModern(values.orgConsent, values.transport, pageOrigin);
  return start.authorizeUrl;
}

/** Modern, after the sign-in window reported success: the API has the connection; now the settings. */
export async function finishModern(services: IServices, values: IFormValues, stored: IStoredSettings): Promise<ISaved | IPartlySaved> {
  const view = await services.connectionApi.getConnection();
  return settleAfterConnect(services, values, stored, view);
}

export function isPartlySaved(result: ISaved | IPartlySaved): result is IPartlySaved {
  return (result as IPartlySaved).error !== undefined;
}
