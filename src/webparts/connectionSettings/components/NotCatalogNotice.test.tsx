import * as React from 'react';
import '@testing-library/jest-dom';
import { render, screen } from '@testing-library/react';
import en from '../loc/en-us';
import ja from '../loc/ja-jp';
import { NotCatalogNotice } from './NotCatalogNotice';
import { themeFor } from './theme';

describe('NotCatalogNotice', () => {
  it.each([['en', en], ['ja', ja]] as const)('NotCatalogNotice - a Teams tab on a site that is not a catalog names the site and what to do (%s)', async (_lang, strings) => {
    render(<NotCatalogNotice strings={strings} theme={themeFor('teams-dark')} siteUrl="https://contoso.sharepoint.com/sites/sales" />);
    const notice = screen.getByTestId('not-catalog');
    expect(await screen.findByText(strings.notCatalogTitle)).toBeInTheDocument();
    expect(notice).toHaveTextContent('https://contoso.sharepoint.com/sites/sales');
    expect(notice).toHaveTextContent(strings.notCatalogBody.split('{0}')[1].trim());
    expect(notice).not.toHaveTextContent('{0}');
  });
});
