import * as React from 'react';
import '@testing-library/jest-dom';
import { render, screen, waitFor, within } from '@testing-library/react';
import { format } from '../loc';
import en from '../loc/en-us';
import ja from '../loc/ja-jp';
import { connectedView } from '../test/fakes';
import DisconnectDialog from './DisconnectDialog';

const LONG = 'notifications-for-the-catalog-of-the-faculty-of-engineering@contoso.test';

describe('DisconnectDialog', () => {
  it('DisconnectDialog - in Japanese the confirming button is the verb alone (the title names the account); its label wraps rather than being cut off', async () => {
    render(<DisconnectDialog strings={ja} view={connectedView({ account: { email: LONG, displayName: 'Notifications' } })} onConfirm={() => undefined} onCancel={() => undefined} />);
    const dialog = await screen.findByRole('alertdialog');
    expect(within(dialog).getByText(format(ja.disconnectDialogTitle, LONG))).toBeInTheDocument();
    const confirm = within(dialog).getByRole('button', { name: '接続を解除' });
    const label = confirm.querySelector('.ms-Button-label') as HTMLElement;
    const style = window.getComputedStyle(label);
    expect(style.whiteSpace).not.toBe('nowrap');
    expect(style.textOverflow).not.toBe('ellipsis');
    // The safe choice still takes the focus first, found by an id of this dialog's own (Fluent's
    // focus trap moves it there after the dialog has rendered, not within the same tick).
    await waitFor(() => expect(within(dialog).getByRole('button', { name: ja.disconnectKeep })).toHaveFocus());
  });

  it('DisconnectDialog - in English the button still names the account', async () => {
    render(<DisconnectDialog strings={en} view={connectedView({ account: { email: LONG, displayName: 'Notifications' } })} onConfirm={() => undefined} onCancel={() => undefined} />);
    expect(await screen.findByRole('button', { name: format(en.disconnectConfirm, LONG) })).toBeInTheDocument();
  });
});
