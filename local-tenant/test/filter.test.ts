import { compileFilter, parseFilter, Predicate } from '../src/graph/filter';

/** The predicate for a filter the parser must accept (fails the test with the reason otherwise). */
function accepted(filter: string): Predicate {
  const result = compileFilter(filter);
  if (!result.ok) throw new Error(`expected '${filter}' to be accepted, got ${result.kind}: ${result.message}`);
  return result.predicate;
}

const adele = { displayName: 'Adele Vance', mail: 'adele@contoso.test', userPrincipalName: 'adele@contoso.test', jobTitle: null };
const noah = { displayName: 'Noah Peterson', mail: null, userPrincipalName: 'noah@contoso.test' };
const obrien = { displayName: "Dara O'Brien", mail: 'dara@contoso.test', userPrincipalName: 'dara@contoso.test' };

// What the web part's Directory sends for a search text (quotes doubled, as it does).
const peopleSearch = (typed: string): string => {
  const t = typed.replace(/'/g, "''");
  return `startswith(displayName,'${t}') or startswith(mail,'${t}') or startswith(userPrincipalName,'${t}')`;
};

describe('$filter parser', () => {
  test('filter - no filter or a blank one matches everything', () => {
    expect(accepted('')(adele)).toBe(true);
    expect(compileFilter(undefined).ok).toBe(true);
    expect(accepted('   ')(noah)).toBe(true);
  });

  test('filter - eq compares strings case-insensitively, as Graph does for directory strings', () => {
    expect(accepted("mail eq 'ADELE@contoso.test'")(adele)).toBe(true);
    expect(accepted("mail eq 'alex@contoso.test'")(adele)).toBe(false);
  });

  test('filter - eq takes numbers, booleans, null and unquoted GUIDs', () => {
    expect(accepted('capacity eq 20')({ capacity: 20 })).toBe(true);
    expect(accepted('accountEnabled eq true')({ accountEnabled: true })).toBe(true);
    expect(accepted('accountEnabled eq true')({ accountEnabled: false })).toBe(false);
    expect(accepted('mail eq null')(noah)).toBe(true);
    expect(accepted('mail eq null')(adele)).toBe(false);
    expect(accepted('id eq 1A2B3C4D-0005-4000-8000-00000000A005')({ id: '1a2b3c4d-0005-4000-8000-00000000a005' })).toBe(true);
  });

  test('filter - startswith is case-insensitive and never matches a null property', () => {
    expect(accepted("startswith(displayName,'ad')")(adele)).toBe(true);
    expect(accepted("startswith(displayName,'AD')")(adele)).toBe(true);
    expect(accepted("StartsWith(mail,'Adele@')")(adele)).toBe(true);
    expect(accepted("startswith(displayName,'vance')")(adele)).toBe(false);
    expect(accepted("startswith(mail,'no')")(noah)).toBe(false);
    expect(accepted("startswith( displayName , 'Adele V' )")(adele)).toBe(true);
  });

  test('filter - the people search matches on name, mail or UPN', () => {
    expect(accepted(peopleSearch('ad'))(adele)).toBe(true);
    expect(accepted(peopleSearch('noah@'))(noah)).toBe(true);
    expect(accepted(peopleSearch('pe'))(noah)).toBe(false);
  });

  test("filter - a doubled quote is one quote in the text ('O''Brien')", () => {
    expect(accepted("displayName eq 'Dara O''Brien'")(obrien)).toBe(true);
    expect(accepted(peopleSearch("Dara O'B"))(obrien)).toBe(true);
    expect(accepted(peopleSearch("O'"))(adele)).toBe(false);
    expect(accepted("displayName eq ''")({ displayName: '' })).toBe(true);
    expect(accepted("displayName eq ''''")({ displayName: "'" })).toBe(true);
  });

  test('filter - and binds tighter than or; parentheses regroup', () => {
    // a or (b and c): true for Adele through the first branch alone.
    expect(accepted("startswith(displayName,'ad') or mail eq 'x' and mail eq 'y'")(adele)).toBe(true);
    // (a or b) and c: false, the last clause fails.
    expect(accepted("(startswith(displayName,'ad') or mail eq 'x') and mail eq 'y'")(adele)).toBe(false);
    expect(accepted("((mail eq 'x' or mail eq 'adele@contoso.test')) and (displayName eq 'adele vance')")(adele)).toBe(true);
    expect(accepted("clientId eq 'a' AND consentType eq 'AllPrincipals'")({ clientId: 'a', consentType: 'AllPrincipals' })).toBe(true);
  });

  test.each([
    ["mail ne 'a'", "Filter operator 'NotEqualsMatch' is not supported."],
    ["not(startswith(mail,'a'))", "Filter operator 'Not' is not supported."],
    ["endswith(mail,'@contoso.test')", 'Unsupported Query.'],
    ["contains(displayName,'a')", 'Unsupported Query.'],
    ['capacity gt 10', "Filter operator 'GreaterThan' is not supported."],
    ["proxyAddresses/any(p:startswith(p,'smtp:'))", 'Unsupported Query.'],
    ["startswith(displayName,'a') or mail ne 'b'", "Filter operator 'NotEqualsMatch' is not supported."]
  ])('filter - valid OData the directory does not evaluate is unsupported: %s', (filter, message) => {
    expect(compileFilter(filter)).toEqual({ ok: false, kind: 'unsupported', message });
  });

  test.each([
    "mail eq 'unterminated",
    "startswith(displayName,'a'",
    "startswith(displayName,'a'))",
    "(mail eq 'a'",
    "mail eq 'a' or",
    "and mail eq 'a'",
    "mail eq 'a' mail eq 'b'",
    'mail eq "a"',
    "mail = 'a'",
    'mail eq',
    "startswith(displayName,ad)",
    "startswith('ad',displayName)",
    "frobnicate(mail,'a')",
    "mail like 'a'"
  ])('filter - malformed OData is a syntax error: %s', (filter) => {
    const result = compileFilter(filter);
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.kind).toBe('syntax');
  });

  test('filter - syntax errors say where, as OData does', () => {
    expect(compileFilter("mail eq 'abc")).toEqual({ ok: false, kind: 'syntax', message: "There is an unterminated string literal at position 8 in 'mail eq 'abc'." });
    expect(compileFilter('mail eq "a"')).toEqual({ ok: false, kind: 'syntax', message: "Syntax error: character '\"' is not valid at position 8 in 'mail eq \"a\"'." });
  });

  test('filter - parseFilter (the one-error-shape form SharePoint uses) is the predicate or null', () => {
    expect(parseFilter("mail eq 'adele@contoso.test'")?.(adele)).toBe(true);
    expect(parseFilter("mail ne 'a'")).toBeNull();
    expect(parseFilter("(mail eq 'a'")).toBeNull();
  });
});
