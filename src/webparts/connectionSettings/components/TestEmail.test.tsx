import * as React from 'react';
import '@testing-library/jest-dom';
import { fireEvent, render, screen } from '@testing-library/react';
import { ERROR_CATALOGUE } from '@lms-m365/contracts';
import { loadStrings } from '../loc';
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
});
