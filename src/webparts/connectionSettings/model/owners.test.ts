import { ownersToAsk } from './owners';

describe('ownersToAsk - who a visitor is told to ask', () => {
  it('ownersToAsk - people with their email; a person SharePoint knows no email for by name; groups only with an email; SharePoint\'s own accounts never', () => {
    expect(ownersToAsk([
      { Title: 'Adele Vance', Email: 'adele@contoso.test', PrincipalType: 1, LoginName: 'i:0#.f|membership|adele@contoso.test' },
      { Title: 'Nestor Wilke', Email: '', PrincipalType: 1, LoginName: 'i:0#.f|membership|nestor@contoso.test', UserPrincipalName: 'nestor@contoso.test' },
      { Title: '', Email: '', PrincipalType: 1, UserPrincipalName: 'lynne@contoso.test' },
      { Title: 'Catalog A Owners', Email: '', PrincipalType: 4, LoginName: 'c:0o.c|federateddirectoryclaimprovider|1234_o' },
      { Title: 'Catalog B Owners', Email: 'catalog-b@contoso.test', PrincipalType: 4, LoginName: 'c:0o.c|federateddirectoryclaimprovider|5678_o' },
      { Title: 'System Account', Email: '', PrincipalType: 1, LoginName: 'SHAREPOINT\\system' },
      { Title: 'SharePoint App', Email: '', PrincipalType: 1, LoginName: 'i:0i.t|00000003-0000-0ff1-ce00-000000000000|app@sharepoint' },
      { Title: undefined, Email: undefined, PrincipalType: 1 }
    ])).toEqual([
      { displayName: 'Adele Vance', email: 'adele@contoso.test' },
      { displayName: 'Nestor Wilke', email: '' },
      { displayName: 'lynne@contoso.test', email: '' },
      { displayName: 'Catalog B Owners', email: 'catalog-b@contoso.test' }
    ]);
  });
});
