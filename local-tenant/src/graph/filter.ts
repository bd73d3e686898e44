/**
 * The OData `$filter` forms Graph answers on directory collections without the "advanced query"
 * headers: `prop eq value` (a 'string' with '' for a quote, a number, true/false, null or a
 * GUID), `startswith(prop,'text')`, joined by `and` / `or`, grouped with parentheses.
 * Comparisons are case-insensitive, as Graph's directory queries are (`startswith(mail,'AD')`
 * finds adele@...).
 *
 * Failures come in Graph's two kinds, so callers can answer the way Graph does:
 * - `syntax`: not valid OData at all (unbalanced parentheses, an unterminated string, a stray
 *   character) - Graph answers 400 `BadRequest` "Invalid filter clause...";
 * - `unsupported`: valid OData that the directory does not evaluate by default (`ne`, `not`,
 *   `endswith`, `contains`, range operators, lambdas) - Graph answers 400
 *   `Request_UnsupportedQuery`. (`ne` reports "NotEqualsMatch", as real Graph does; the other
 *   operator names follow the same pattern.)
 * Nothing outside the supported forms is guessed at.
 */
export type Predicate = (item: Record<string, unknown>) => boolean;

export type FilterResult = { ok: true; predicate: Predicate } | { ok: false; kind: 'syntax' | 'unsupported'; message: string };

// 'colon' exists only so a lambda (p:...) is recognised and refused as unsupported, not as a stray character.
type Token = { kind: 'ident' | 'string' | 'literal' | 'open' | 'close' | 'comma' | 'colon'; text: string; at: number };

class FilterError extends Error {
  constructor(readonly kind: 'syntax' | 'unsupported', message: string) {
    super(message);
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LITERAL = /^(-?\d+(\.\d+)?|true|false|null)$/i;

/** Operators OData defines that the directory refuses without advanced query parameters. */
const UNSUPPORTED_OPERATORS: Record<string, string> = {
  ne: 'NotEqualsMatch',
  gt: 'GreaterThan',
  ge: 'GreaterThanOrEqual',
  lt: 'LessThan',
  le: 'LessThanOrEqual',
  in: 'In',
  has: 'Has'
};
/** OData functions that exist but are not evaluated here (Graph: "Unsupported Query." or similar). */
const UNSUPPORTED_FUNCTIONS = new Set(['endswith', 'contains', 'substringof', 'tolower', 'toupper', 'length', 'indexof', 'substring', 'trim', 'concat']);

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === '(' || ch === ')' || ch === ',' || ch === ':') {
      tokens.push({ kind: ch === '(' ? 'open' : ch === ')' ? 'close' : ch === ',' ? 'comma' : 'colon', text: ch, at: i });
      i += 1;
    } else if (ch === "'") {
      // OData escapes a quote inside a string by doubling it: 'O''Brien'.
      const start = i;
      let text = '';
      i += 1;
      for (;;) {
        if (i >= input.length) throw new FilterError('syntax', `There is an unterminated string literal at position ${start} in '${input}'.`);
        if (input[i] === "'") {
          if (input[i + 1] === "'") {
            text += "'";
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        text += input[i];
        i += 1;
      }
      tokens.push({ kind: 'string', text, at: start });
    } else {
      const m = input.slice(i).match(/^[A-Za-z0-9_.@/-]+/);
      if (!m) throw new FilterError('syntax', `Syntax error: character '${ch}' is not valid at position ${i} in '${input}'.`);
      const word = m[0];
      tokens.push({ kind: LITERAL.test(word) || GUID.test(word) ? 'literal' : 'ident', text: word, at: i });
      i += word.length;
    }
  }
  return tokens;
}

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v)).toLowerCase();

function compile(input: string): Predicate {
  const tokens = tokenize(input);
  let pos = 0;
  const peek = (offset = 0): Token | undefined => tokens[pos + offset];
  const keyword = (word: string): boolean => peek()?.kind === 'ident' && peek()?.text.toLowerCase() === word;
  const syntax = (what: string): FilterError => {
    const t = peek();
    return new FilterError('syntax', t ? `Syntax error: ${what} at position ${t.at} in '${input}'.` : `Syntax error: ${what} at the end of '${input}'.`);
  };
  const expect = (kind: Token['kind'], what: string): Token => {
    const t = peek();
    if (t?.kind !== kind) throw syntax(`expected ${what}`);
    pos += 1;
    return t;
  };

  const factor = (): Predicate => {
    const t = peek();
    if (!t) throw syntax('expected an expression');
    if (t.kind === 'open') {
      pos += 1;
      const inner = expr();
      expect('close', "')'");
      return inner;
    }
    if (t.kind !== 'ident') throw syntax('expected a property or function');
    const word = t.text.toLowerCase();
    if (word === 'not') throw new FilterError('unsupported', "Filter operator 'Not' is not supported.");
    if (peek(1)?.kind === 'open') {
      // A function call, or a lambda such as proxyAddresses/any(p:...).
      if (/\/(any|all)$/.test(word)) throw new FilterError('unsupported', 'Unsupported Query.');
      if (UNSUPPORTED_FUNCTIONS.has(word)) throw new FilterError('unsupported', 'Unsupported Query.');
      if (word !== 'startswith') throw new FilterError('syntax', `An unknown function with name '${t.text}' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed.`);
      pos += 2;
      const prop = expect('ident', 'a property name');
      expect('comma', "','");
      const value = expect('string', 'a string');
      expect('close', "')'");
      const wanted = value.text.toLowerCase();
      return (item) => text(item[prop.text]).startsWith(wanted);
    }
    pos += 1;
    const op = peek();
    if (op?.kind !== 'ident') throw syntax('expected an operator');
    const opWord = op.text.toLowerCase();
    if (UNSUPPORTED_OPERATORS[opWord]) throw new FilterError('unsupported', `Filter operator '${UNSUPPORTED_OPERATORS[opWord]}' is not supported.`);
    if (opWord !== 'eq') throw syntax(`unknown operator '${op.text}'`);
    pos += 1;
    const value = peek();
    if (value?.kind !== 'string' && value?.kind !== 'literal') throw syntax('expected a value');
    pos += 1;
    const wanted = value.kind === 'literal' && value.text.toLowerCase() === 'null' ? '' : value.text.toLowerCase();
    return (item) => text(item[t.text]) === wanted;
  };
  // `and` binds tighter than `or`, as in OData.
  const term = (): Predicate => {
    let left = factor();
    while (keyword('and')) {
      pos += 1;
      const right = factor();
      const l = left;
      left = (item) => l(item) && right(item);
    }
    return left;
  };
  const expr = (): Predicate => {
    let left = term();
    while (keyword('or')) {
      pos += 1;
      const right = term();
      const l = left;
      left = (item) => l(item) || right(item);
    }
    return left;
  };
  const result = expr();
  if (pos !== tokens.length) throw syntax(`unexpected '${peek()?.text}'`);
  return result;
}

/** Builds a predicate from a `$filter`, or says why Graph would refuse it. An absent filter matches everything. */
export function compileFilter(filter: string | undefined): FilterResult {
  if (!filter || !filter.trim()) return { ok: true, predicate: () => true };
  try {
    return { ok: true, predicate: compile(filter) };
  } catch (e) {
    if (e instanceof FilterError) return { ok: false, kind: e.kind, message: e.message };
    throw e;
  }
}

/** The predicate, or null when the filter is outside the supported forms (for callers with one error shape). */
export function parseFilter(filter: string | undefined): Predicate | null {
  const result = compileFilter(filter);
  return result.ok ? result.predicate : null;
}
