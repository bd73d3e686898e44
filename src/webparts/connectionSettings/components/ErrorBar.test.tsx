import * as React from 'react';
import '@testing-library/jest-dom';
import { cleanup, render, screen } from '@testing-library/react';
import { ERROR_CATALOGUE } from '@lms-m365/contracts';
import en from '../loc/en-us';
import ja from '../loc/ja-jp';
import { appError } from '../model/appError';
import { ErrorBar } from './ErrorBar';

describe('ErrorBar', () => {
  it('ErrorBar - shows the request id the API named beside the error code, so the admin can give both to support', async () => {
    render(<ErrorBar error={appError('problem', { status: 500, code: 'INTERNAL_ERROR', requestId: 'req-1a' })} strings={en} />);
    // MessageBar renders its text a moment later (it announces it through a live region).
    expect(await screen.findByTestId('error-title')).toHaveTextContent(ERROR_CATALOGUE.INTERNAL_ERROR.title.en);
    expect(screen.getByTestId('error-remedy')).toHaveTextContent(ERROR_CATALOGUE.INTERNAL_ERROR.remedy.en);
    expect(screen.getByTestId('error-code')).toHaveTextContent('Error code: INTERNAL_ERROR');
    expect(screen.getByTestId('error-request-id')).toHaveTextContent('Request ID: req-1a');
    expect(screen.getByTestId('error-code').parentElement).toHaveTextContent('Error code: INTERNAL_ERROR, Request ID: req-1a');
  });

  it('ErrorBar - in Japanese, with full-width punctuation and no half-width separator', async () => {
    render(<ErrorBar error={appError('problem', { status: 500, code: 'INTERNAL_ERROR', requestId: 'req-1a' })} strings={ja} />);
    const code = await screen.findByTestId('error-code');
    expect(code.parentElement).toHaveTextContent('エラー コード：INTERNAL_ERROR、要求 ID：req-1a');
  });

  it('ErrorBar - what Microsoft 365 answered is its own line, for the Microsoft 365 admin (en, ja)', async () => {
    render(<ErrorBar error={appError('problem', { status: 422, code: 'BAD_CREDENTIALS', upstream: 'SMTP 535 5.7.3', requestId: 'r1' })} strings={en} />);
    expect(await screen.findByTestId('error-upstream')).toHaveTextContent(/^Microsoft 365 answered: SMTP 535 5\.7\.3$/);
    expect(screen.getByTestId('error-code').parentElement).toHaveTextContent(/^Error code: BAD_CREDENTIALS, Request ID: r1$/);
    cleanup();
    render(<ErrorBar error={appError('problem', { status: 422, code: 'BAD_CREDENTIALS', upstream: 'SMTP 535 5.7.3' })} strings={ja} />);
    expect(await screen.findByTestId('error-upstream')).toHaveTextContent('Microsoft 365 の応答：SMTP 535 5.7.3');
  });

  it('ErrorBar - no request id in the answer: the code alone', async () => {
    render(<ErrorBar error={appError('problem', { status: 422, code: 'SHARED_MAILBOX' })} strings={en} />);
    expect(await screen.findByTestId('error-code')).toHaveTextContent('Error code: SHARED_MAILBOX');
    expect(screen.queryByTestId('error-request-id')).not.toBeInTheDocument();
    expect(screen.queryByTestId('error-upstream')).not.toBeInTheDocument();
    expect(screen.getByTestId('error-code').parentElement).toHaveTextContent(/^Error code: SHARED_MAILBOX$/);
  });
});
