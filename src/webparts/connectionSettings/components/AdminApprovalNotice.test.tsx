import * as React from 'react';
import '@testing-library/jest-dom';
import { render, screen } from '@testing-library/react';
import en from '../loc/en-us';
import ja from '../loc/ja-jp';
import type { IRoomAccess } from '../model/connection';
import AdminApprovalNotice from './AdminApprovalNotice';

const LINK = 'https://login.example/tid/v2.0/adminconsent?client_id=abc&state=lms-admin-consent';

function waiting(overrides: Partial<NonNullable<IRoomAccess['adminApproval']>> = {}): IRoomAccess {
  return {
    available: false,
    adminApproval: { tenantAdmins: [{ displayName: 'Megan Bowen', email: 'megan@contoso.test' }], requestWorkflow: false, requestPending: false, adminConsentUrl: LINK, requestUrl: null, ...overrides }
  };
}

describe('AdminApprovalNotice', () => {
  it('AdminApprovalNotice - rooms waiting: says mail still works, names the tenant admins and gives the link to send them', async () => {
    render(<AdminApprovalNotice strings={en} rooms={waiting()} />);
    // MessageBar renders its text a moment later (it announces it through a live region).
    expect(await screen.findByText(en.roomsApprovalTitle)).toBeInTheDocument();
    expect(screen.getByText(en.roomsApprovalText)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'megan@contoso.test' })).toHaveAttribute('href', 'mailto:megan@contoso.test');
    expect(screen.getByRole('textbox', { name: en.roomsConsentLinkLabel })).toHaveValue(LINK);
    const mail = screen.getByRole('link', { name: en.roomsEmailAdmins }).getAttribute('href') ?? '';
    expect(mail.startsWith('mailto:megan%40contoso.test?')).toBe(true);
    expect(decodeURIComponent(mail)).toContain(LINK);
    expect(screen.queryByRole('link', { name: en.roomsRequestApproval })).not.toBeInTheDocument();
  });

  it('AdminApprovalNotice - with the request workflow on it offers the request; once sent it says the request is pending', async () => {
    const { rerender } = render(<AdminApprovalNotice strings={en} rooms={waiting({ requestWorkflow: true, requestUrl: 'https://login.example/authorize?state=lms-consent-request' })} />);
    expect(await screen.findByRole('link', { name: en.roomsRequestApproval })).toHaveAttribute('href', 'https://login.example/authorize?state=lms-consent-request');
    rerender(<AdminApprovalNotice strings={en} rooms={waiting({ requestWorkflow: true, requestPending: true, requestUrl: 'https://login.example/authorize' })} />);
    expect(await screen.findByText(en.roomsRequestPending)).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: en.roomsRequestApproval })).not.toBeInTheDocument();
  });

  it('AdminApprovalNotice - no tenant admin known: says whom to ask instead, and offers no empty email link', async () => {
    render(<AdminApprovalNotice strings={ja} rooms={waiting({ tenantAdmins: [] })} />);
    expect(await screen.findByText(ja.roomsNoTenantAdminsKnown)).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: ja.roomsEmailAdmins })).not.toBeInTheDocument();
  });

  it('AdminApprovalNotice - rooms available: only a short line, no notice; no view yet: nothing', () => {
    const { rerender, container } = render(<AdminApprovalNotice strings={en} rooms={{ available: true, adminApproval: null }} />);
    expect(screen.getByText(en.roomsAvailable)).toBeInTheDocument();
    expect(screen.queryByText(en.roomsApprovalTitle)).not.toBeInTheDocument();
    rerender(<AdminApprovalNotice strings={en} rooms={undefined} />);
    expect(container).toBeEmptyDOMElement();
  });

  it('AdminApprovalNotice - several tenant admins are listed as the page\'s language writes a list: "Name (address), ..." in English, full-width in Japanese', async () => {
    const admins = [{ displayName: 'Megan Bowen', email: 'megan@contoso.test' }, { displayName: 'Nestor Wilke', email: 'nestor@contoso.test' }];
    const { unmount } = render(<AdminApprovalNotice strings={en} rooms={waiting({ tenantAdmins: admins })} />);
    expect(await screen.findByTestId('tenant-admins')).toHaveTextContent(`${en.roomsTenantAdmins}Megan Bowen (megan@contoso.test), Nestor Wilke (nestor@contoso.test)`);
    unmount();
    render(<AdminApprovalNotice strings={ja} rooms={waiting({ tenantAdmins: admins })} />);
    expect((await screen.findByTestId('tenant-admins')).textContent).toBe(`${ja.roomsTenantAdmins}Megan Bowen（megan@contoso.test）、Nestor Wilke（nestor@contoso.test）`);
  });

  it('AdminApprovalNotice - a long address is not kept on one line (it would overflow a 400 px panel); Japanese puts no space between the sentence and its link', async () => {
    const long = 'tenant-administrator-of-the-faculty-of-engineering@contoso.test';
    render(<AdminApprovalNotice strings={ja} rooms={waiting({ tenantAdmins: [{ displayName: 'Megan Bowen', email: long }], requestWorkflow: true, requestUrl: 'https://login.example/authorize' })} />);
    const admins = await screen.findByTestId('tenant-admins');
    expect(admins).toHaveTextContent(`Megan Bowen（${long}）`);
    const noWrap = Array.from(admins.querySelectorAll<HTMLElement>('*')).filter((element) => element.style.whiteSpace === 'nowrap' || window.getComputedStyle(element).whiteSpace === 'nowrap');
    expect(noWrap).toEqual([]);
    const link = screen.getByRole('link', { name: ja.roomsRequestApproval });
    expect(link.parentElement?.textContent).toBe(`${ja.roomsRequestHelp}${ja.roomsRequestApproval}`);
  });
});
