/**
 * The OData `$filter` forms clients use against this tenant: `prop eq 'v'` (or a number,
 * true/false, null), `startswith(prop,'v')`, joined by `and` / `or`, with parentheses.
 * Comparisons are case-insensitive, as Graph's directory queries are. Anything else is
 * reported as unsupported rather than guessed at.
 */
export type Predicate = (item: Record<string, unknown>) => boolean;

type Token = { kind: 'ident' | 'string' | 'literal' | 'open' | 'close' | 'comma'; text: string };

function tokenize(input: string): Token[] | null {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: ch === '(' ? 'open' : ch === ')' ? 'close' : 'comma', text: ch });
      i += 1;
    } else if (ch === "'") {
      let text = '';
      i += 1;
      for (;;) {
        if (i >= input.length) return null;
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
      tokens.push({ kind: 'string', text });
    } else {
      const m = input.slice(i).match(/^[A-Za-z0-9_.@/-]+/);
      if (!m) return null;
      const word = m[0];
      tokens.push({ kind: /^(-?\d+(\.\d+)?|true|false|null)$/i.test(word) ? 'literal' : 'ident', text: word });
      i += word.length;
    }
  }
  return tokens;
}

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v)).toLowerCase();

/** Builds a predicate from a `$filter`; null when the filter is outside the supported forms. */
export function parseFilter(filter: string | undefined): Predicate | null {
  if (!filter || !filter.trim()) return () => true;
  const tokens = tokenize(filter);
  if (!tokens) return null;
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const keyword = (word: string): boolean => peek()?.kind === 'ident' && peek()?.text.toLowerCase() === word;

  const factor = (): Predicate | null => {
    const t = peek();
    if (!t) return null;
    if (t.kind === 'open') {
      pos += 1;
      const inner = expr();
      if (!inner || peek()?.kind !== 'close') return null;
      pos += 1;
      return inner;
    }
    if (t.kind !== 'ident') return null;
    if (t.text.toLowerCase() === 'startswith' && tokens[pos + 1]?.kind === 'open') {
      const [, , prop, comma, value, close] = tokens.slice(pos, pos + 6);
      if (prop?.kind !== 'ident' || comma?.kind !== 'comma' || value?.kind !== 'string' || close?.kind !== 'close') return null;
      pos += 6;
      return (item) => text(item[prop.text]).startsWith(value.text.toLowerCase());
    }
    const op = tokens[pos + 1];
    const value = tokens[pos + 2];
    if (op?.kind !== 'ident' || op.text.toLowerCase() !== 'eq' || !value || (value.kind !== 'string' && value.kind !== 'literal')) return null;
    pos += 3;
    const wanted = value.kind === 'literal' && value.text.toLowerCase() === 'null' ? '' : value.text.toLowerCase();
    return (item) => text(item[t.text]) === wanted;
  };
  const term = (): Predicate | null => {
    let left = factor();
    while (left && keyword('and')) {
      pos += 1;
      const right = factor();
      if (!right) return null;
      const l = left;
      left = (item) => l(item) && right(item);
    }
    return left;
  };
  const expr = (): Predicate | null => {
    let left = term();
    while (left && keyword('or')) {
      pos += 1;
      const right = term();
      if (!right) return null;
      const l = left;
      left = (item) => l(item) || right(item);
    }
    return left;
  };
  const result = expr();
  return result && pos === tokens.length ? result : null;
}
