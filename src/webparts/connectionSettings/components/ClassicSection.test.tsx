import * as React from 'react';
import '@testing-library/jest-dom';
import { render, screen } from '@testing-library/react';
import ClassicSection, { basicAuthRetired } from './ClassicSection';
import en from '../loc/en-us';

describe('ClassicSection', () => {
  const renderAt = (today: Date): void => {
    render(
      <ClassicSection strings={en} email="" password="" errors={{}} disabled={false} onEmailChange={() => undefined} onPasswordChange={() => undefined} showForm={false} formId="f" today={today} />
    );
  };

  // MessageBar renders its text after a tick (Fluent's delayed render for screen readers).
  it('ClassicSection - before 31 December 2026 the warning announces that basic authentication goes off by default', async () => {
    renderAt(new Date(Date.UTC(2026, 11, 30, 23, 59)));
    expect(await screen.findByText(en.classicRetirementTitle)).toBeInTheDocument();
    expect(await screen.findByText(en.classicRetirementText, { exact: false })).toBeInTheDocument();
    expect(screen.queryByText(en.classicRetiredText, { exact: false })).not.toBeInTheDocument();
  });

  it('ClassicSection - from 31 December 2026 it says a password no longer sends by default, as an error', async () => {
    renderAt(new Date(Date.UTC(2026, 11, 31)));
    expect(await screen.findByText(en.classicRetiredText, { exact: false })).toBeInTheDocument();
    expect(screen.queryByText(en.classicRetirementText, { exact: false })).not.toBeInTheDocument();
    expect(screen.getByRole('alert')).toBeInTheDocument();
  });

  it('ClassicSection - the boundary is the first moment of 31 December 2026 (UTC)', () => {
    expect(basicAuthRetired(new Date('2026-12-30T23:59:59.999Z'))).toBe(false);
    expect(basicAuthRetired(new Date('2026-12-31T00:00:00.000Z'))).toBe(true);
  });
});
