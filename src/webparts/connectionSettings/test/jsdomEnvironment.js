/**
 * jest's jsdom environment, with jsdom's style matching remembered between DOM changes.
 *
 * jsdom's getComputedStyle resolves `visibility` (an inherited property) by matching the element and
 * then each of its ancestors against every rule of every style sheet; Fluent UI injects several
 * hundred rules, and Testing Library's role queries ask for it for every element they look at. That
 * made one role query cost up to a second and the page suite minutes. Which rules match an element
 * can only change when the document (nodes, attributes, inline styles), the style sheets or the
 * focused element change, so the matches of each element are kept until one of those does.
 * The answers are the same; they are computed once. (A state jsdom matches that the key does not
 * see is an input's `checked` property: Fluent UI v8 has no `:checked` rule, it marks checked
 * controls with classes, which are attributes.)
 */
const path = require('path');
const { TestEnvironment } = require('jest-environment-jsdom');

const jsdomRoot = path.dirname(require.resolve('jsdom/package.json', { paths: [path.dirname(require.resolve('jest-environment-jsdom'))] }));
const styleRules = require(path.join(jsdomRoot, 'lib/jsdom/living/helpers/style-rules.js'));

if (!styleRules.__matchesRemembered) {
  const matchEveryRule = styleRules.forEachMatchingSheetRuleOfElement;
  const remembered = new WeakMap();
  styleRules.forEachMatchingSheetRuleOfElement = (elementImpl, handleRule) => {
    const document = elementImpl._ownerDocument;
    let rules = 0;
    for (const sheet of document.styleSheets._list) {
      rules += sheet.cssRules.length;
    }
    const version = document._version;
    const focused = document._lastFocusedElement;
    const known = remembered.get(elementImpl);
    if (known && known.version === version && known.rules === rules && known.sheets === document.styleSheets._list.length && known.focused === focused) {
      known.matches.forEach(handleRule);
      return;
    }
    const matches = [];
    matchEveryRule(elementImpl, (rule) => matches.push(rule));
    remembered.set(elementImpl, { version, rules, sheets: document.styleSheets._list.length, focused, matches });
    matches.forEach(handleRule);
  };
  styleRules.__matchesRemembered = true;
}

module.exports = TestEnvironment;
