import * as React from 'react';
import '@testing-library/jest-dom';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { ERROR_CATALOGUE } from '@lms-m365/contracts';
import { loadStrings } from '../loc';
import en from '../loc/en-us';
import { appError } from '../model/appError';
import { FakeConnectionApi } from '../test/fakes';
import { TestEmail } from './TestEmail';

describe('TestEmail', () => {
  it('TestEmail - a refusal shows its title in the page\'s language though no other part fetched the error texts', async () => {
    // The strings as the web part loads them, without the catalogue's texts (the tests' copies carry them).
    const strings = await loadStrings('ja-JP');
    delete strings.errors;
    const api = new FakeConnectionApi();
    api.failures['test-email'] = appError('problem', { status: 422, code: 'SEND_AS_DENIED', upstream: 'SMTP 554 5.2.252' });
    render(<TestEmail strings={strings} api={api} from="a@contoso.test" defaultRecipient="b@contoso.test" disabled={false} method="modern" />);
    fireEvent.click(screen.getByRole('button', { name: strings.testEmailSend }));
    expect(await screen.findByTestId('error-title')).toHaveTextContent(ERROR_CATALOGUE.SEND_AS_DENIED.title.ja);
    expect(screen.getByTestId('error-code')).toHaveTextContent('SEND_AS_DENIED');
  });

  it('TestEmail - closing an error gives the focus back to the Send button (the close button goes with the error)', async () => {
    const api = new FakeConnectionApi();
    api.failures['test-email'] = appError('network');
    render(<TestEmail strings={en} api={api} from="a@contoso.test" defaultRecipient="b@contoso.test" disabled={false} method="modern" />);
    const send = screen.getByRole('button', { name: en.testEmailSend });
    send.focus();
    fireEvent.click(send);
    const error = await screen.findByTestId('test-email-error');
    const close = await within(error).findByRole('button', { name: en.dismiss });
    close.focus();
    fireEvent.click(close);
    await waitFor(() => expect(screen.queryByTestId('test-email-error')).not.toBeInTheDocument());
    await waitFor(() => expect(screen.getByRole('button', { name: en.testEmailSend })).toHaveFocus());
  });

  it('TestEmail - two on one page: each "Send to" field has its own label (no shared id)', () => {
    const api = new FakeConnectionApi();
    render(<>
      <TestEmail strings={en} api={api} from="a@contoso.test" defaultRecipient="one@contoso.test" disabled={false} method="modern" />
      <TestEmail strings={en} api={api} from="c@contoso.test" defaultRecipient="two@contoso.test" disabled={false} method="modern" />
    </>);
    const fields = screen.getAllByLabelText(en.testEmailRecipient);
    expect(fields.map((field) => (field as HTMLInputElement).value)).toEqual(['one@contoso.test', 'two@contoso.test']);
    expect(fields[0].id).not.toBe(fields[1].id);
  });
});
