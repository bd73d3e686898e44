import { escapeHtml } from '../../src/html';

describe('escapeHtml', () => {
  it('escapes the five characters that could open markup or leave an attribute, and nothing else', () => {
    expect(escapeHtml(`<a href="x" title='y'>Tom & Jerry</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;Tom &amp; Jerry&lt;/a&gt;');
    expect(escapeHtml('日本語 text; 100% = ok')).toBe('日本語 text; 100% = ok');
  });

  it('escapes an ampersand once, so an entity in the text stays text', () => {
    expect(escapeHtml('&lt;')).toBe('&amp;lt;');
  });
});
