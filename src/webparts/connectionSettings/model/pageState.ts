import type { IAppError } from './appError';
import type { IConnectionView } from './connection';
import { dirtyFields, formFromStored, type FormField, type IFormValues } from './form';
import type { IStoredSettings } from './settings';
import type { IVisitorView } from '../services/interfaces';

/** Where an error is shown: next to the action that failed (issue 14, point 4). */
export type ErrorPlace = 'load' | 'summary' | 'footer';

export interface IPageError {
  error: IAppError | string;
  place: ErrorPlace;
  /** Offer to read the stored state again (after a conflict or a failed load). */
  reload: boolean;
  /** Found by the page itself (the background check), not by an action of the admin: said, never focused. */
  background?: boolean;
}

export type Busy = 'saving' | 'connecting' | 'checking' | 'retrying' | 'disconnecting' | undefined;

/** `windowClosed`: the sign-in window has read closed for a while (it may still be open: COOP). */
export type SignInState = { state: 'waiting'; windowClosed?: boolean } | { state: 'blocked'; url: string } | undefined;

export interface INotice {
  text: string;
  /** Next to the action it reports on: the summary's (Check now, Disconnect) or the footer's. */
  place: 'summary' | 'footer';
  /** The connection is made but the switch is off: offer to turn it on (issue 14, point 2). */
  offerTurnOn?: boolean;
  /** A report, not a success (a check that found the connection not working). */
  info?: boolean;
  /**
   * Takes the focus even from a button still enabled: the one pressed changed its meaning under
   * the focus (Stop sign-in became Cancel, which discards the changes on a second press).
   */
  takeFocus?: boolean;
  /** Found by the reads that follow an action, not by the action itself: said, never focused. */
  background?: boolean;
}

/** What last replaced the view: the page's load, a read of its own, or the admin's action. */
export type ViewSource = 'load' | 'background' | 'action';

export interface IPageState {
  /** denied: the visitor cannot manage this catalog; they get a read-only summary. */
  phase: 'loading' | 'ready' | 'failed' | 'denied';
  view: IConnectionView | undefined;
  stored: IStoredSettings | undefined;
  /** The form as stored: Cancel returns to it, Save compares with it. */
  baseline: IFormValues | undefined;
  values: IFormValues | undefined;
  /** What a visitor who cannot manage the catalog may see. */
  visitor: IVisitorView | undefined;
  busy: Busy;
  signIn: SignInState;
  error: IPageError | undefined;
  notice: INotice | undefined;
  showValidation: boolean;
  confirmDisconnect: boolean;
  /** The health loaded is being verified with the API in the background (R-LOSS-4). */
  verifying: boolean;
  /** The admin asked to connect another account ("Change account") while one is connected. */
  changingAccount: boolean;
  /** The account form was opened by Reconnect (a Classic password to type again), not by "Change account". */
  reconnecting: boolean;
  /** What last replaced the view: a change the admin's action brought may take the focus, one the page found may not. */
  viewSource: ViewSource;
  /**
   * Settings this admin has edited that another admin saved differently meanwhile (brought in by a
   * check): this admin's value is kept, and Save would replace theirs - the page says so.
   */
  overwrites: FormField[];
}

export const INITIAL_STATE: IPageState = {
  phase: 'loading', view: undefined, stored: undefined, baseline: undefined, values: undefined, visitor: undefined,
  busy: undefined, signIn: undefined, error: undefined, notice: undefined, showValidation: false, confirmDisconnect: false,
  verifying: false, changingAccount: false, reconnecting: false, viewSource: 'load', overwrites: []
};

export type PageAction =
  | { type: 'load' }
  | { type: 'loaded'; view: IConnectionView; stored: IStoredSettings; verifying: boolean }
  | { type: 'load-failed'; error: IAppError }
  | { type: 'denied'; visitor: IVisitorView }
  | { type: 'edit'; patch: Partial<IFormValues> }
  | { type: 'cancel'; notice?: INotice }
  | { type: 'toggle-account-form'; reconnect?: boolean }
  | { type: 'invalid' }
  | { type: 'busy'; busy: Busy }
  | { type: 'sign-in'; signIn: SignInState }
  | { type: 'sign-in-window-closed' }
  | { type: 'sign-in-cancelled'; notice: INotice }
  /** What the API (and the list) confirmed: it becomes the stored state. */
  | { type: 'applied'; view: IConnectionView; stored: IStoredSettings; notice?: INotice; keepEdits?: boolean }
  /** Check now answered: the API's record read again, the form left as the admin has it. */
  | { type: 'checked'; view: IConnectionView; stored: IStoredSettings; notice: INotice }
  | { type: 'failed'; error: IAppError | string; place: ErrorPlace; reload?: boolean }
  /** The background check answered with `view` for the view it was asked about (`of`). */
  | { type: 'verified'; of: IConnectionView; view: IConnectionView }
  | { type: 'verify-failed'; of: IConnectionView; error: IAppError }
  /**
   * The view read again after an action (`of`: the view it was read after), with what it shows, if
   * anything; `byAction`: the admin's action is what the view shows (a test email refused), not a later read.
   */
  | { type: 'reread'; of: IConnectionView; view: IConnectionView; notice?: INotice; byAction?: boolean }
  | { type: 'dismiss-error' }
  | { type: 'dismiss-notice' }
  | { type: 'confirm-disconnect'; open: boolean };

/**
 * The settings whose stored value another admin can move under this admin's edit of them to a
 * third value: the switch and the transport have two values, so theirs either agrees or is unchanged.
 */
const SHARED_FIELDS: FormField[] = ['alertRecipients'];

function overwritten(state: IPageState, baseline: IFormValues): FormField[] {
  if (!state.values || !state.baseline) {
    return state.overwrites;
  }
  // Edited here, moved in the store since, and still not what this admin has.
  const theirs = dirtyFields(state.baseline, baseline);
  const mine = dirtyFields(baseline, state.values);
  const moved = dirtyFields(state.baseline, state.values).filter((field) => SHARED_FIELDS.indexOf(field) >= 0
    && theirs.indexOf(field) >= 0 && mine.indexOf(field) >= 0);
  return [...state.overwrites, ...moved.filter((field) => state.overwrites.indexOf(field) < 0)];
}

/**
 * The admin's unsaved edits over a newer baseline (a check answered meanwhile): what they changed
 * stays theirs, the rest follows the newer one - kept as it was, an untouched field would write its
 * older value back over another admin's change at the next save.
 */
function rebase(state: IPageState, baseline: IFormValues): IFormValues {
  if (!state.values || !state.baseline) {
    return baseline;
  }
  const values = state.values;
  const edits = dirtyFields(state.baseline, values).reduce((kept: Partial<IFormValues>, field) => ({ ...kept, [field]: values[field] }), {});
  return { ...baseline, ...edits };
}

/** The settings page's state transitions; pure, so every one of them is unit-tested. */
export function pageReducer(state: IPageState, action: PageAction): IPageState {
  switch (action.type) {
    case 'load':
      return INITIAL_STATE;
    case 'loaded': {
      const baseline = formFromStored(action.stored, action.view);
      return { ...INITIAL_STATE, phase: 'ready', view: action.view, stored: action.stored, baseline, values: baseline, verifying: action.verifying };
    }
    case 'load-failed':
      return { ...INITIAL_STATE, phase: 'failed', error: { error: action.error, place: 'load', reload: true } };
    case 'denied':
      return { ...INITIAL_STATE, phase: 'denied', visitor: action.visitor };
    case 'edit': {
      if (!state.values) {
        return state;
      }
      // Another method chosen: the footer's error about the other one (a Classic password refused) no longer applies.
      const otherMethod = action.patch.method !== undefined && action.patch.method !== state.values.method;
      const error = otherMethod && state.error && state.error.place === 'footer' ? undefined : state.error;
      return { ...state, values: { ...state.values, ...action.patch }, notice: undefined, error };
    }
    case 'cancel':
      return { ...state, values: state.baseline, error: undefined, notice: action.notice, showValidation: false, signIn: undefined, busy: undefined, changingAccount: false, reconnecting: false, overwrites: [] };
    case 'toggle-account-form': {
      // Reconnect opens the form (or keeps it open) for the password; it never folds it away.
      if (action.reconnect) {
        return { ...state, changingAccount: true, reconnecting: true };
      }
      if (!state.changingAccount || !state.values || !state.baseline) {
        return { ...state, changingAccount: true, reconnecting: false };
      }
      // Folding the form away drops what was typed into it, so nothing hidden is saved by mistake.
      const { orgConsent, classicEmail, method, transport } = state.baseline;
      return { ...state, changingAccount: false, reconnecting: false, showValidation: false, values: { ...state.values, orgConsent, classicEmail, method, transport, classicPassword: '' } };
    }
    case 'invalid':
      return { ...state, showValidation: true };
    case 'busy':
      return { ...state, busy: action.busy, error: action.busy ? undefined : state.error, notice: action.busy ? undefined : state.notice, showValidation: false };
    case 'sign-in':
      // A sign-in starting is a new action: the last one's error and notice go.
      return action.signIn && !state.signIn
        ? { ...state, signIn: action.signIn, busy: 'connecting', error: undefined, notice: undefined }
        : { ...state, signIn: action.signIn, busy: action.signIn ? 'connecting' : state.busy };
    case 'sign-in-window-closed':
      // Only while still waiting: a sign-in that ended meanwhile is not waited for again.
      return state.signIn && state.signIn.state === 'waiting' ? { ...state, signIn: { state: 'waiting', windowClosed: true } } : state;
    case 'sign-in-cancelled':
      // The sign-in stops; what the admin typed stays, unsaved (Cancel when no sign-in discards it).
      return { ...state, signIn: undefined, busy: undefined, error: undefined, notice: action.notice };
    case 'applied': {
      const baseline = formFromStored(action.stored, action.view);
      // keepEdits: a connection was made but the settings could not follow; what was typed stays unsaved.
      const values = action.keepEdits ? { ...rebase(state, baseline), classicPassword: '' } : baseline;
      return {
        ...state, view: action.view, stored: action.stored, baseline, values, busy: undefined, signIn: undefined,
        overwrites: action.keepEdits ? overwritten(state, baseline) : [],
        notice: action.notice, error: action.keepEdits ? state.error : undefined, changingAccount: false, reconnecting: false, showValidation: false, viewSource: 'action'
      };
    }
    case 'checked': {
      const baseline = formFromStored(action.stored, action.view);
      return { ...state, view: action.view, stored: action.stored, baseline, values: rebase(state, baseline), overwrites: overwritten(state, baseline), busy: undefined, notice: action.notice, error: undefined, viewSource: 'action' };
    }
    case 'failed':
      return {
        ...state, busy: undefined, signIn: undefined, notice: undefined,
        error: { error: action.error, place: action.place, reload: !!action.reload },
        // A password is sent once; after a failure it is typed again, never kept in the page.
        values: state.values ? { ...state.values, classicPassword: '' } : state.values
      };
    case 'verified': {
      // Only if nothing else replaced the view meanwhile (a save, a disconnect): that newer view is the truth.
      if (state.view !== action.of || !state.stored) {
        return { ...state, verifying: false };
      }
      const baseline = formFromStored(state.stored, action.view);
      return { ...state, verifying: false, view: action.view, baseline, values: rebase(state, baseline), overwrites: overwritten(state, baseline), viewSource: 'background' };
    }
    case 'reread': {
      // As a background check's answer: only over the view it was read after.
      if (state.view !== action.of || !state.stored || state.busy) {
        return state;
      }
      const baseline = formFromStored(state.stored, action.view);
      return { ...state, view: action.view, baseline, values: rebase(state, baseline), overwrites: overwritten(state, baseline), notice: action.notice || state.notice, viewSource: action.byAction ? 'action' : 'background' };
    }
    case 'verify-failed':
      return state.view !== action.of ? { ...state, verifying: false } : { ...state, verifying: false, error: { error: action.error, place: 'summary', reload: false, background: true } };
    case 'dismiss-error':
      return { ...state, error: undefined };
    case 'dismiss-notice':
      return { ...state, notice: undefined };
    case 'confirm-disconnect':
      return { ...state, confirmDisconnect: action.open };
    default:
      return state;
  }
}
