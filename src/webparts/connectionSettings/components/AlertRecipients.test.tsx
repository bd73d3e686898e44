import * as React from 'react';
import '@testing-library/jest-dom';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { format } from '../loc';
import en from '../loc/en-us';
import ja from '../loc/ja-jp';
import { appError } from '../model/appError';
import AlertRecipients, { MAX_ALERT_RECIPIENTS, validateTyped } from './AlertRecipients';
import { ValidationState } from '@fluentui/react/lib/Pickers';

describe('AlertRecipients', () => {
  it('AlertRecipients - while the directory cannot be searched (Graph\'s permission not approved), a whole address typed and Enter is taken; anything else is not', async () => {
    const changes: string[][] = [];
    const directory = { searchPeople: () => Promise.reject(appError('problem', { status: 403 })) };
    const { rerender } = render(<AlertRecipients strings={en} directory={directory} recipients={[]} disabled={false} onChange={(r) => changes.push(r)} />);
    const input = screen.getByRole('combobox');
    await userEvent.type(input, 'megan@contoso.test');
    expect(await screen.findByTestId('people-search-failed')).toHaveTextContent(en.peopleSearchFailed);
    // Fluent's picker reads keyCode, which a browser sets and user-event does not.
    const enter = (): boolean => fireEvent.keyDown(screen.getByRole('combobox'), { key: 'Enter', keyCode: 13, which: 13 });
    enter();
    await waitFor(() => expect(changes).toEqual([['megan@contoso.test']]));
    rerender(<AlertRecipients strings={en} directory={directory} recipients={['megan@contoso.test']} disabled={false} onChange={(r) => changes.push(r)} />);
    await userEvent.type(screen.getByRole('combobox'), 'not an address');
    enter();
    // Given the time a taken address needs (above), inside act: the picker's callout moves meanwhile.
    await act(() => new Promise((resolve) => setTimeout(resolve, 400)));
    expect(changes).toHaveLength(1);
    expect(['a@b.c', ' megan@contoso.test ', 'megan', 'a b@c.d', 'x@y', 'a@b.c;d@e.f', 'a<b@c.d', `${'a'.repeat(242)}@contoso.test`, `${'a'.repeat(241)}@contoso.test`].map(validateTyped))
      .toEqual([ValidationState.valid, ValidationState.valid, ValidationState.invalid, ValidationState.invalid, ValidationState.invalid, ValidationState.invalid, ValidationState.invalid, ValidationState.invalid, ValidationState.valid]);
  });

  it('AlertRecipients - takes no more than the API does (20): with 20 chosen there is nothing to type into', () => {
    const twenty = Array.from({ length: 20 }, (_, i) => `person${i}@contoso.test`);
    const { rerender } = render(<AlertRecipients strings={en} directory={{ searchPeople: () => Promise.resolve([]) }} recipients={twenty.slice(0, 19)} disabled={false} onChange={() => undefined} />);
    expect(screen.getByRole('combobox')).toBeInTheDocument();
    rerender(<AlertRecipients strings={en} directory={{ searchPeople: () => Promise.resolve([]) }} recipients={twenty} disabled={false} onChange={() => undefined} />);
    expect(screen.queryByRole('combobox')).not.toBeInTheDocument();
  });

  it('AlertRecipients (race) - an older search failing after a newer one answered does not say the directory cannot be searched', async () => {
    let failFirst: () => void = () => undefined;
    const directory = {
      searchPeople: (query: string) => query === 'a'
        ? new Promise<never>((resolve, reject) => { failFirst = () => reject(appError('timeout')); })
        : Promise.resolve([{ email: 'alex@contoso.test', displayName: 'Alex Wilber' }])
    };
    render(<AlertRecipients strings={en} directory={directory} recipients={[]} disabled={false} onChange={() => undefined} />);
    await userEvent.type(screen.getByRole('combobox'), 'a');
    await act(() => new Promise((resolve) => setTimeout(resolve, 400)));
    await userEvent.type(screen.getByRole('combobox'), 'l');
    expect(await screen.findByText('Alex Wilber')).toBeInTheDocument();
    await act(async () => { failFirst(); await Promise.resolve(); });
    await act(() => new Promise((resolve) => setTimeout(resolve, 50)));
    expect(screen.queryByTestId('people-search-failed')).not.toBeInTheDocument();
    expect(screen.getByText('Alex Wilber')).toBeInTheDocument();
  });

  it('AlertRecipients - the hint (with the limit of 20 people) describes the input, though Fluent\'s picker writes its own aria-describedby; the people chosen are a named list', async () => {
    const directory = { searchPeople: () => Promise.resolve([]) };
    const { rerender } = render(<AlertRecipients strings={en} directory={directory} recipients={[]} disabled={false} onChange={() => undefined} />);
    const hint = `${en.alertRecipientsHint} ${format(en.alertRecipientsLimit, String(MAX_ALERT_RECIPIENTS))}`;
    expect(en.alertRecipientsLimit).toContain('{0}');
    expect(MAX_ALERT_RECIPIENTS).toBe(20);
    await waitFor(() => expect(screen.getByRole('combobox')).toHaveAccessibleDescription(hint));
    rerender(<AlertRecipients strings={en} directory={directory} recipients={['megan@contoso.test']} disabled={false} onChange={() => undefined} />);
    const input = screen.getByRole('combobox');
    // The picker's own (the people chosen) and the hint.
    await waitFor(() => expect(input.getAttribute('aria-describedby')?.split(' ')).toHaveLength(2));
    expect(input.getAttribute('aria-describedby')).toContain(screen.getByText(hint).id);
    expect(screen.getByRole('list', { name: en.alertRecipientsLabel })).toBeInTheDocument();
    expect(input).toHaveAccessibleName(en.alertRecipientsLabel);
  });

  it('AlertRecipients - the limit reads in Japanese too, after the hint without a space', () => {
    render(<AlertRecipients strings={ja} directory={{ searchPeople: () => Promise.resolve([]) }} recipients={[]} disabled={false} onChange={() => undefined} />);
    expect(screen.getByText(`${ja.alertRecipientsHint}${format(ja.alertRecipientsLimit, '20')}`)).toBeInTheDocument();
  });

  it('AlertRecipients - two pickers on one page are each labelled and described by their own elements', async () => {
    const directory = { searchPeople: () => Promise.resolve([]) };
    render(<>
      <AlertRecipients strings={en} directory={directory} recipients={[]} disabled={false} onChange={() => undefined} />
      <AlertRecipients strings={ja} directory={directory} recipients={[]} disabled={false} onChange={() => undefined} />
    </>);
    const [first, second] = screen.getAllByRole('combobox');
    expect(first).toHaveAccessibleName(en.alertRecipientsLabel);
    expect(second).toHaveAccessibleName(ja.alertRecipientsLabel);
    await waitFor(() => expect(second).toHaveAccessibleDescription(`${ja.alertRecipientsHint}${format(ja.alertRecipientsLimit, '20')}`));
  });
});
