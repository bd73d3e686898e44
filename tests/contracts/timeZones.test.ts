/**
 * The IANA zones Graph documents for dateTimeTimeZone are kept twice on purpose: the API's list says
 * which zones it sends to Graph as they are, the local tenant's which it accepts (the stand-in does
 * not take Graph's rules from the product it checks). Both copy the same page, so they must agree:
 * a zone only the local tenant knew would pass every local test and be refused by Graph.
 */
import { GRAPH_IANA_ZONES } from '../../api/src/sessions/time';
import { DOCUMENTED_IANA } from '../../local-tenant/src/graph/timezones';

describe('Graph time zones', () => {
  it('the API sends in their own zone exactly the IANA zones the local tenant accepts (and UTC, a Windows name too)', () => {
    expect([...GRAPH_IANA_ZONES].filter((z) => z !== 'UTC').sort()).toEqual([...DOCUMENTED_IANA].sort());
  });

  it('the list is the page\'s 99 names, each a zone the runtime knows', () => {
    expect(DOCUMENTED_IANA.size).toBe(99);
    for (const zone of DOCUMENTED_IANA) {
      expect(() => new Intl.DateTimeFormat('en-US', { timeZone: zone })).not.toThrow();
    }
  });
});
