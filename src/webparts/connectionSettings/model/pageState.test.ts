import { appError } from './appError';
import { connectedView, notConnectedView } from '../test/fakes';
import { formFromStored } from './form';
import { INITIAL_STATE, pageReducer, type IPageState } from './pageState';
import { DEFAULT_SETTINGS, type IStoredSettings } from './settings';

const STORED: IStoredSettings = { ...DEFAULT_SETTINGS, etag: '"1"' };
const LOST = { state: 'lost' as const, code: 'TOKEN_REVOKED', checkedAt: '2026-11-25T12:00:00Z' };

function loaded(view = connectedView(), stored: IStoredSettings = STORED): IPageState {
  return pageReducer(INITIAL_STATE, { type: 'loaded', view, stored, verifying: false });
}

describe('pageState', () => {
  it('pageState - a load starts from the stored state, nothing dirty', () => {
    const state = loaded(notConnectedView());
    expect(state.phase).toBe('ready');
    expect(state.values).toEqual(state.baseline);
    expect(state.values).toMatchObject({ enabled: false, method: 'modern', transport: 'graph' });
  });

  it('pageState - a connection\'s method is the API\'s, whatever the list says (issue 14 point 3)', () => {
    const state = loaded(connectedView(), { ...STORED, method: 'classic' });
    expect(state.baseline?.method).toBe('modern');
  });

  it('pageState - an edit changes the values, not the baseline, and clears a notice', () => {
    const withNotice = { ...loaded(), notice: { text: 'saved', place: 'footer' as const } };
    const state = pageReducer(withNotice, { type: 'edit', patch: { enabled: false } });
    expect(state.values?.enabled).toBe(false);
    expect(state.baseline?.enabled).toBe(true);
    expect(state.notice).toBeUndefined();
  });

  it('pageState - a check bringing another admin\'s different value for a setting this admin edited keeps this admin\'s and names the setting; cleared by Cancel', () => {
    const checked = (state: IPageState, alertRecipients: string[], enabled = true): IPageState =>
      pageReducer(state, { type: 'checked', view: connectedView({ alertRecipients, enabled }), stored: STORED, notice: { text: 'checked', place: 'summary' } });
    const edited = pageReducer(loaded(connectedView({ alertRecipients: [] })), { type: 'edit', patch: { alertRecipients: ['mine@contoso.test'] } });
    // Another admin saved the same recipient: nothing to warn about (and nothing left unsaved).
    expect(checked(edited, ['mine@contoso.test']).overwrites).toEqual([]);
    // Another admin changed a setting this admin did not touch: it follows theirs, no warning.
    expect(checked(edited, [], false).overwrites).toEqual([]);
    expect(checked(edited, [], false).values).toMatchObject({ enabled: false, alertRecipients: ['mine@contoso.test'] });
    // Another admin saved other recipients: this admin's stay, and the page says Save replaces theirs.
    const clash = checked(edited, ['theirs@contoso.test']);
    expect([clash.overwrites, clash.values?.alertRecipients, clash.baseline?.alertRecipients]).toEqual([['alertRecipients'], ['mine@contoso.test'], ['theirs@contoso.test']]);
    // Remembered through a later check that changes nothing more, gone with Cancel and with a save.
    expect(checked(clash, ['theirs@contoso.test']).overwrites).toEqual(['alertRecipients']);
    expect(pageReducer(clash, { type: 'cancel' }).overwrites).toEqual([]);
    expect(pageReducer(clash, { type: 'applied', view: connectedView({ alertRecipients: ['mine@contoso.test'] }), stored: STORED }).overwrites).toEqual([]);
  });

  it('pageState - Cancel returns to the baseline and stops a sign-in', () => {
    let state = pageReducer(loaded(), { type: 'edit', patch: { method: 'classic', classicPassword: 'x' } });
    state = pageReducer(state, { type: 'sign-in', signIn: { state: 'waiting' } });
    expect(state.busy).toBe('connecting');
    state = pageReducer(state, { type: 'cancel' });
    expect(state.values).toEqual(state.baseline);
    expect(state.signIn).toBeUndefined();
    expect(state.busy).toBeUndefined();
  });

  it('pageState - folding Change account drops what was typed into the account form', () => {
    let state = pageReducer(loaded(), { type: 'toggle-account-form' });
    expect(state.changingAccount).toBe(true);
    state = pageReducer(state, { type: 'edit', patch: { method: 'classic', classicEmail: 'x@contoso.test', classicPassword: 'p', enabled: false } });
    state = pageReducer(state, { type: 'toggle-account-form' });
    expect(state.changingAccount).toBe(false);
    expect(state.values).toMatchObject({ method: 'modern', classicEmail: '', classicPassword: '', enabled: false });
  });

  it('pageState - a failure is placed next to its action and forgets the password', () => {
    let state = pageReducer(loaded(), { type: 'edit', patch: { classicPassword: 'secret' } });
    state = pageReducer(state, { type: 'failed', error: appError('problem', { code: 'BAD_CREDENTIALS' }), place: 'footer' });
    expect(state.error).toEqual({ error: appError('problem', { code: 'BAD_CREDENTIALS' }), place: 'footer', reload: false });
    expect(state.values?.classicPassword).toBe('');
    expect(state.busy).toBeUndefined();
  });

  it('pageState - a footer error goes when another method is chosen or a sign-in starts; a summary error and an edit of the same method keep theirs', () => {
    const failed = (place: 'footer' | 'summary'): IPageState =>
      pageReducer(pageReducer(loaded(notConnectedView()), { type: 'edit', patch: { method: 'classic', classicPassword: 'p' } }), { type: 'failed', error: appError('problem', { code: 'BAD_CREDENTIALS' }), place });
    expect(pageReducer(failed('footer'), { type: 'edit', patch: { classicEmail: 'x@contoso.test' } }).error?.place).toBe('footer');
    expect(pageReducer(failed('footer'), { type: 'edit', patch: { method: 'classic' } }).error?.place).toBe('footer');
    expect(pageReducer(failed('footer'), { type: 'edit', patch: { method: 'modern' } }).error).toBeUndefined();
    expect(pageReducer(failed('summary'), { type: 'edit', patch: { method: 'modern' } }).error?.place).toBe('summary');
    const waiting = pageReducer({ ...failed('footer'), notice: { text: 'checked', place: 'summary' } }, { type: 'sign-in', signIn: { state: 'waiting' } });
    expect([waiting.error, waiting.notice, waiting.busy]).toEqual([undefined, undefined, 'connecting']);
    // The same sign-in going on (its window read closed, a blocked pop-up's link) is not a new action.
    const blocked = pageReducer(failed('footer'), { type: 'sign-in', signIn: { state: 'blocked', url: 'https://api.test/a' } });
    const clicked = pageReducer({ ...blocked, error: { error: 'late', place: 'footer', reload: false } }, { type: 'sign-in', signIn: { state: 'waiting' } });
    expect(clicked.error).toEqual({ error: 'late', place: 'footer', reload: false });
  });

  it('pageState - Stop sign-in ends the sign-in and keeps the edits; the window\'s closed hint counts only while waiting', () => {
    let state = pageReducer(loaded(notConnectedView()), { type: 'edit', patch: { enabled: true } });
    state = pageReducer(state, { type: 'sign-in', signIn: { state: 'waiting' } });
    state = pageReducer(state, { type: 'sign-in-window-closed' });
    expect(state.signIn).toEqual({ state: 'waiting', windowClosed: true });
    const blocked = pageReducer({ ...state, signIn: { state: 'blocked', url: 'https://api.test/a' } }, { type: 'sign-in-window-closed' });
    expect(blocked.signIn).toEqual({ state: 'blocked', url: 'https://api.test/a' });
    state = pageReducer(state, { type: 'sign-in-cancelled', notice: { text: 'stopped', place: 'footer', takeFocus: true } });
    expect([state.signIn, state.busy, state.values?.enabled, state.baseline?.enabled, state.notice?.text]).toEqual([undefined, undefined, true, false, 'stopped']);
    expect(pageReducer(state, { type: 'sign-in-window-closed' }).signIn).toBeUndefined();
  });

  it('pageState - what the API confirmed becomes the baseline; a partly saved connect keeps the edits', () => {
    const edited = pageReducer(loaded(notConnectedView()), { type: 'edit', patch: { enabled: true, alertRecipients: ['a@contoso.test'] } });
    const applied = pageReducer(edited, { type: 'applied', view: connectedView(), stored: { ...STORED, enabled: true }, notice: { text: 'ok', place: 'footer' } });
    expect(applied.values).toEqual(applied.baseline);
    expect(applied.notice?.text).toBe('ok');
    const partly = pageReducer(edited, { type: 'applied', view: connectedView(), stored: STORED, keepEdits: true });
    expect(partly.values?.alertRecipients).toEqual(['a@contoso.test']);
    expect(partly.baseline?.alertRecipients).toEqual([]);
  });

  it('pageState - a background check updates an untouched form and is ignored once the view was replaced', () => {
    const start = loaded();
    const lost = connectedView({ health: LOST });
    const checked = pageReducer({ ...start, verifying: true }, { type: 'verified', of: start.view as never, view: lost });
    expect(checked.view).toBe(lost);
    expect(checked.verifying).toBe(false);
    const replaced = pageReducer({ ...start, verifying: true }, { type: 'verified', of: connectedView(), view: lost });
    expect(replaced.view).toBe(start.view);
    expect(replaced.verifying).toBe(false);
  });

  it('pageState - a view read again after Try again now replaces the one it was read after, with its notice, keeping edits and the background check under way; never over a newer view, an action under way or a page not loaded', () => {
    const blocked = connectedView({ sendingBlocked: { code: 'SENDING_BLOCKED', since: '2026-12-01T10:00:00Z' } });
    const start = { ...pageReducer({ ...loaded(blocked), verifying: true }, { type: 'edit', patch: { enabled: false } }), notice: { text: 'retrying', place: 'summary' as const } };
    const cleared = connectedView();
    const read = pageReducer(start, { type: 'reread', of: start.view as never, view: cleared, notice: { text: 'sent', place: 'summary' } });
    expect([read.view, read.notice?.text, read.values?.enabled, read.verifying]).toEqual([cleared, 'sent', false, true]);
    expect(read.baseline).toEqual(formFromStored(STORED, cleared));
    // Without a notice of its own, the one shown stays.
    expect(pageReducer(start, { type: 'reread', of: start.view as never, view: cleared }).notice?.text).toBe('retrying');
    // The view changed meanwhile (a save, a disconnect), an action is under way, or nothing was stored: left alone.
    expect(pageReducer(start, { type: 'reread', of: connectedView(), view: cleared })).toBe(start);
    const busy = pageReducer(start, { type: 'busy', busy: 'saving' });
    expect(pageReducer(busy, { type: 'reread', of: busy.view as never, view: cleared })).toBe(busy);
    const unstored = { ...start, stored: undefined };
    expect(pageReducer(unstored, { type: 'reread', of: start.view as never, view: cleared })).toBe(unstored);
  });

  it('pageState - a background check keeps what the admin is editing', () => {
    const start = pageReducer(loaded(), { type: 'edit', patch: { enabled: false } });
    const checked = pageReducer(start, { type: 'verified', of: start.view as never, view: connectedView({ health: LOST }) });
    expect(checked.values?.enabled).toBe(false);
    expect(checked.baseline).toEqual(formFromStored(STORED, connectedView({ health: LOST })));
  });

  it('pageState (race) - a newer view under unsaved edits keeps what the admin edited; what they did not touch follows it (else the next save writes the older value back)', () => {
    const start = pageReducer(loaded(connectedView({ enabled: false })), { type: 'edit', patch: { enabled: true } });
    const theirs = connectedView({ enabled: false, alertRecipients: ['megan@contoso.test'], etag: 'W/"megan"' });
    const checked = pageReducer(start, { type: 'verified', of: start.view as never, view: theirs });
    expect(checked.values).toMatchObject({ enabled: true, alertRecipients: ['megan@contoso.test'] });
    const partly = pageReducer(start, { type: 'applied', view: theirs, stored: STORED, keepEdits: true });
    expect(partly.values).toMatchObject({ enabled: true, alertRecipients: ['megan@contoso.test'] });
  });

  it('pageState - Check now answering takes the view read again, keeps unsaved edits and clears the error it answers', () => {
    const failed = pageReducer(pageReducer(loaded(connectedView({ enabled: false })), { type: 'edit', patch: { enabled: true } }), { type: 'failed', error: appError('network'), place: 'summary' });
    const checked = pageReducer(failed, { type: 'checked', view: connectedView({ enabled: false, health: LOST }), stored: STORED, notice: { text: 'checked', place: 'summary' } });
    expect([checked.error, checked.busy, checked.values?.enabled, checked.view?.health.state, checked.notice?.text]).toEqual([undefined, undefined, true, 'lost', 'checked']);
  });

  it('pageState - a failed background check is shown in the summary; one about a view the page has since replaced only ends the check', () => {
    const start = loaded();
    const state = pageReducer(start, { type: 'verify-failed', of: start.view as never, error: appError('network') });
    expect(state.error?.place).toBe('summary');
    const replaced = { ...loaded(connectedView({ enabled: false })), verifying: true };
    const stale = pageReducer(replaced, { type: 'verify-failed', of: start.view as never, error: appError('network') });
    expect([stale.verifying, stale.error, stale.view]).toEqual([false, undefined, replaced.view]);
  });

  it('pageState - an edit before the settings loaded changes nothing', () => {
    expect(pageReducer(INITIAL_STATE, { type: 'edit', patch: { enabled: true } })).toBe(INITIAL_STATE);
  });

  it('pageState - a load starts over from nothing; a failed load offers Reload in its own place', () => {
    const busy = { ...loaded(), busy: 'saving' as const, notice: { text: 'x', place: 'footer' as const } };
    expect(pageReducer(busy, { type: 'load' })).toBe(INITIAL_STATE);
    const failed = pageReducer(busy, { type: 'load-failed', error: appError('timeout') });
    expect([failed.phase, failed.error, failed.values, failed.busy, failed.notice]).toEqual(['failed', { error: appError('timeout'), place: 'load', reload: true }, undefined, undefined, undefined]);
  });

  it('pageState - invalid shows the validation; an action under way clears what the last one said, and its end keeps them', () => {
    const start = { ...loaded(), error: { error: appError('network'), place: 'footer' as const, reload: false }, notice: { text: 'saved', place: 'footer' as const } };
    const invalid = pageReducer(start, { type: 'invalid' });
    expect(invalid.showValidation).toBe(true);
    const busy = pageReducer(invalid, { type: 'busy', busy: 'saving' });
    expect([busy.busy, busy.error, busy.notice, busy.showValidation]).toEqual(['saving', undefined, undefined, false]);
    const ended = pageReducer(start, { type: 'busy', busy: undefined });
    expect([ended.busy, ended.error, ended.notice]).toEqual([undefined, start.error, start.notice]);
    // A sign-in that ends (undefined) leaves whatever else is under way as it is.
    expect(pageReducer({ ...start, busy: 'saving' }, { type: 'sign-in', signIn: undefined }).busy).toBe('saving');
  });

  it('pageState - an error and a notice are dismissed one at a time; the Disconnect dialog opens and closes; an unknown action changes nothing', () => {
    const start = { ...loaded(), error: { error: appError('network'), place: 'footer' as const, reload: false }, notice: { text: 'saved', place: 'footer' as const } };
    const noError = pageReducer(start, { type: 'dismiss-error' });
    expect([noError.error, noError.notice]).toEqual([undefined, start.notice]);
    const noNotice = pageReducer(start, { type: 'dismiss-notice' });
    expect([noNotice.error, noNotice.notice]).toEqual([start.error, undefined]);
    expect(pageReducer(start, { type: 'confirm-disconnect', open: true }).confirmDisconnect).toBe(true);
    expect(pageReducer({ ...start, confirmDisconnect: true }, { type: 'confirm-disconnect', open: false }).confirmDisconnect).toBe(false);
    expect(pageReducer(start, { type: 'nothing' } as never)).toBe(start);
  });

  it('pageState - what the API confirmed ends the sign-in, the account form and the validation; a partly saved connect keeps its error and forgets the password', () => {
    const start = { ...pageReducer(loaded(notConnectedView()), { type: 'edit', patch: { classicPassword: 'secret', enabled: true } }), signIn: { state: 'waiting' as const }, busy: 'connecting' as const, changingAccount: true, showValidation: true, error: { error: appError('network'), place: 'footer' as const, reload: false } };
    const applied = pageReducer(start, { type: 'applied', view: connectedView(), stored: STORED });
    expect([applied.signIn, applied.busy, applied.changingAccount, applied.showValidation, applied.error]).toEqual([undefined, undefined, false, false, undefined]);
    const partly = pageReducer(start, { type: 'applied', view: connectedView(), stored: STORED, keepEdits: true });
    expect([partly.error, partly.values?.classicPassword, partly.values?.enabled, partly.changingAccount, partly.showValidation]).toEqual([start.error, '', true, false, false]);
  });

  it('pageState - the overwrite warning names a field once however many checks bring the other admin\'s value, and keeps what a later check does not touch', () => {
    const edited = pageReducer(loaded(connectedView({ alertRecipients: [] })), { type: 'edit', patch: { alertRecipients: ['mine@contoso.test'] } });
    const checked = (state: IPageState, alertRecipients: string[]): IPageState =>
      pageReducer(state, { type: 'checked', view: connectedView({ alertRecipients }), stored: STORED, notice: { text: 'c', place: 'summary' } });
    const first = checked(edited, ['theirs@contoso.test']);
    const again = checked(first, ['third@contoso.test']);
    expect(again.overwrites).toEqual(['alertRecipients']);
    // A background check (verified) brings it too.
    const verified = pageReducer(edited, { type: 'verified', of: edited.view as never, view: connectedView({ alertRecipients: ['theirs@contoso.test'] }) });
    expect(verified.overwrites).toEqual(['alertRecipients']);
    // A partly saved connect or a Disconnect (keepEdits) keeps what was said, and says what its own
    // read brings in; a state with no form has nothing to compare.
    expect(pageReducer(first, { type: 'applied', view: connectedView(), stored: STORED, keepEdits: true }).overwrites).toEqual(['alertRecipients']);
    expect(pageReducer(edited, { type: 'applied', view: notConnectedView({ alertRecipients: ['theirs@contoso.test'] }), stored: STORED, keepEdits: true }).overwrites).toEqual(['alertRecipients']);
    expect(pageReducer(edited, { type: 'applied', view: notConnectedView({ alertRecipients: [] }), stored: STORED, keepEdits: true }).overwrites).toEqual([]);
    expect(pageReducer({ ...INITIAL_STATE, stored: STORED, view: connectedView() }, { type: 'checked', view: connectedView({ alertRecipients: ['x@contoso.test'] }), stored: STORED, notice: { text: 'c', place: 'summary' } }).overwrites).toEqual([]);
  });

  it('pageState - a visitor who cannot manage the catalog gets the denied phase with what they may see', () => {
    const state = pageReducer(INITIAL_STATE, { type: 'denied', visitor: { summary: undefined, owners: [{ email: 'a@contoso.test', displayName: 'A' }] } });
    expect(state.phase).toBe('denied');
    expect(state.visitor?.owners).toHaveLength(1);
    expect(state.values).toBeUndefined();
  });

  it('pageState - what the page finds by itself is marked so (said, not focused); what the admin\'s action brings is not', () => {
    const start = loaded();
    expect(start.viewSource).toBe('load');
    const failed = pageReducer(start, { type: 'verify-failed', of: start.view as never, error: appError('network') });
    expect(failed.error).toMatchObject({ place: 'summary', background: true });
    expect(pageReducer(start, { type: 'failed', error: appError('network'), place: 'summary' }).error?.background).toBeUndefined();
    expect(pageReducer(start, { type: 'verified', of: start.view as never, view: connectedView({ health: LOST }) }).viewSource).toBe('background');
    expect(pageReducer(start, { type: 'reread', of: start.view as never, view: connectedView({ health: LOST }) }).viewSource).toBe('background');
    expect(pageReducer(start, { type: 'reread', of: start.view as never, view: connectedView({ health: LOST }), byAction: true }).viewSource).toBe('action');
    expect(pageReducer(start, { type: 'checked', view: connectedView({ health: LOST }), stored: STORED, notice: { text: 'checked', place: 'summary' } }).viewSource).toBe('action');
  });

  it('pageState - Reconnect opens the account form for the password (and never folds it); Change account for the address', () => {
    const opened = pageReducer(loaded(), { type: 'toggle-account-form' });
    expect(opened).toMatchObject({ changingAccount: true, reconnecting: false });
    const reconnecting = pageReducer(opened, { type: 'toggle-account-form', reconnect: true });
    expect(reconnecting).toMatchObject({ changingAccount: true, reconnecting: true });
    expect(pageReducer(reconnecting, { type: 'toggle-account-form' })).toMatchObject({ changingAccount: false, reconnecting: false });
  });
});
