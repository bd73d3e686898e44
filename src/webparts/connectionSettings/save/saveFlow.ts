import { toAppError, type IAppError } from '../model/appError';
import type { IConnectionView } from '../model/connection';
import { classicNeedsCredentials, dirtyFields, modernNeedsSignIn, orgConsentOptionVisible, settingsFromForm, type IFormValues } from '../model/form';
import { adminSettings, sameAdminSettings, type IAdminSettings, type IStoredSettings } from '../model/settings';
import type { IServices } from '../services/interfaces';

/**
 * Save and Connect, all or nothing (issue 14, point 3): a new connection is made at the API first,
 * and only once the API confirms it are the settings written - to the API, then to the settings
 * list. A wrong password or a declined sign-in leaves the list and the API exactly as they were.
 * The API is the authority (sending follows its record, and its ETag catches another admin's save);
 * the list is a copy the page writes after it.
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

/**
 * Part of it was saved: a connection was made but the settings that go with it were not written
 * (`list` false: the API did not take them), or the API took the settings and only the settings
 * list was not written (`list` true).
 */
export interface IPartlySaved extends ISaved {
  error: IAppError;
  list?: boolean;
}

/**
 * Writes the admin's columns of the settings item as the API holds them. The item's ETag changes
 * without an admin's save too (the API writes the connection's own columns; a site member may edit
 * the list by hand; a save may have stopped between the API and the list; another admin's whole
 * save may have come between this page's two writes): the API decided, so a stale ETag means reading
 * the item and the API again and writing what the API holds now over the item.
 */
async function writeList(services: IServices, settings: IAdminSettings, base: IStoredSettings): Promise<IStoredSettings> {
  let wanted = adminSettings(settings);
  let etag = base.etag;
  // The API's mirror may write the item again while the page reads it (it copies until the item
  // matches its record, up to three passes): a few rounds, then the conflict is said.
  for (let round = 0; ; round++) {
    try {
      return await services.settingsStore.save(wanted, etag);
    } catch (error) {
      if (toAppError(error).kind !== 'conflict' || round >= LIST_WRITE_ROUNDS) {
        throw error;
      }
    }
    const [fresh, now] = await Promise.all([services.settingsStore.load(), services.connectionApi.getConnection()]);
    if (sameAdminSettings(fresh, now)) {
      return fresh;
    }
    wanted = adminSettings(now);
    etag = fresh.etag;
  }
}

/** Rounds of reading again after a stale list ETag. */
const LIST_WRITE_ROUNDS = 3;

/**
 * The switch and the recipients to the API with the view's ETag. The API changes its record by
 * itself too (a health check, a test email, the keep-alive): a stale ETag is someone else's change
 * only when what an admin edits differs from what this page read - and not when it already is what
 * this page saves (this page's own save, answered after all or stopped before the list).
 */
async function patchConnection(services: IServices, settings: IAdminSettings, view: IConnectionView): Promise<IConnectionView> {
  const patch = adminSettings(settings);
  try {
    return await services.connectionApi.updateConnection(patch, view.etag);
  } catch (error) {
    if (toAppError(error).kind !== 'conflict') {
      throw error;
    }
    const fresh = await services.connectionApi.getConnection();
    if (sameAdminSettings(fresh, settings)) {
      return fresh;
    }
    if (!sameAdminSettings(fresh, view)) {
      throw error;
    }
    return services.connectionApi.updateConnection(patch, fresh.etag);
  }
}

/**
 * The settings of the form to the API (the authority for sending), then to the settings list. The
 * API refusing them (another admin's change, a fault) throws, and nothing was written; the list
 * failing after the API took them is said as such, with the API's new state.
 */
export async function saveSettings(services: IServices, values: IFormValues, stored: IStoredSettings, view: IConnectionView): Promise<ISaved | IPartlySaved> {
  const settings = settingsFromForm(values);
  let newView = view;
  if (!sameAdminSettings(view, settings)) {
    newView = await patchConnection(services, settings, view);
  }
  if (stored.etag !== undefined && sameAdminSettings(stored, settings)) {
    return { view: newView, stored };
  }
  try {
    return { view: newView, stored: await writeList(services, settings, stored) };
  } catch (error) {
    const list = await services.settingsStore.load().catch(() => stored);
    return { view: newView, stored: list, error: toAppError(error), list: true };
  }
}

/**
 * After a connection was made at the API: its view, then the form's settings. A failure of the
 * settings is reported with the connection that does exist.
 */
async function settleAfterConnect(services: IServices, values: IFormValues, stored: IStoredSettings, view: IConnectionView): Promise<ISaved | IPartlySaved> {
  try {
    // The API has just written the connection's columns into the item (a new ETag): read it again
    // rather than write with the ETag read before and be refused.
    const list = await services.settingsStore.load().catch(() => stored);
    return await saveSettings(services, values, list, view);
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

/**
 * Modern: where the sign-in starts. The transport goes with it; it is the API's once the sign-in
 * succeeds. The organisation's consent is asked for only while the page offers it for this view
 * and transport: a ticked box the page no longer shows (the transport changed, or a tenant admin
 * consented meanwhile and the view read again) asks for nothing.
 */
export async function startModern(services: IServices, values: IFormValues, view: IConnectionView, pageOrigin: string): Promise<string> {
  const orgConsent = values.orgConsent && orgConsentOptionVisible(view, values.transport);
  const start = await services.connectionApi.startModern(orgConsent, values.transport, pageOrigin);
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
