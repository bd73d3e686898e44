/**
 * A reader for the subset of Bicep that infra/ is written in (no Bicep compiler on this machine):
 * params with decorators, vars, resources (also `existing` and `[for ...]`), modules and outputs,
 * whose bodies are objects and arrays of strings, numbers, booleans and one-line expressions.
 * Anything outside the subset is an error, so a template the reader misunderstands fails the tests.
 */
export type BicepValue = string | number | boolean | { expr: string } | { for: string; body: BicepValue } | BicepValue[] | { [key: string]: BicepValue };

export interface BicepParam { name: string; type: string; decorators: string[]; default?: BicepValue }
export interface BicepResource { symbol: string; type: string; apiVersion: string; existing: boolean; body: BicepValue; /** `= if (condition) {...}`: deployed only when it holds. */ condition?: string }
export interface BicepModule { symbol: string; path: string; body: BicepValue }
export interface BicepFile { params: Record<string, BicepParam>; vars: Record<string, BicepValue>; resources: Record<string, BicepResource>; modules: Record<string, BicepModule>; outputs: Record<string, BicepValue> }

/** Drops // comments outside strings. */
function stripComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (inString) {
      out += ch;
      if (ch === '\\') {
        out += text[i + 1] ?? '';
        i += 1;
      } else if (ch === "'") {
        inString = false;
      }
    } else if (ch === "'") {
      inString = true;
      out += ch;
    } else if (ch === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i += 1;
      out += '\n';
    } else {
      out += ch;
    }
  }
  return out;
}

export function parseBicep(source: string): BicepFile {
  const text = stripComments(source);
  let pos = 0;
  const file: BicepFile = { params: {}, vars: {}, resources: {}, modules: {}, outputs: {} };
  const fail = (what: string): never => {
    const line = text.slice(0, pos).split('\n').length;
    throw new Error(`bicep subset: ${what} at line ${line}: ${JSON.stringify(text.slice(pos, pos + 40))}`);
  };
  const skipSpace = (newlines: boolean): void => {
    while (pos < text.length && (text[pos] === ' ' || text[pos] === '\t' || text[pos] === '\r' || (newlines && text[pos] === '\n'))) pos += 1;
  };
  const word = (): string => {
    skipSpace(false);
    const m = /^[A-Za-z_$][\w$]*/.exec(text.slice(pos));
    if (!m) fail('expected a name');
    pos += (m as RegExpExecArray)[0].length;
    return (m as RegExpExecArray)[0];
  };
  const expect = (s: string): void => {
    skipSpace(false);
    if (!text.startsWith(s, pos)) fail(`expected ${s}`);
    pos += s.length;
  };
  const string = (): string => {
    expect("'");
    let out = '';
    while (pos < text.length && text[pos] !== "'") {
      if (text[pos] === '\\') {
        out += text[pos + 1];
        pos += 2;
      } else {
        out += text[pos];
        pos += 1;
      }
    }
    pos += 1;
    return out;
  };
  /** An expression up to the end of its line (parentheses and brackets balanced). */
  const expression = (stopAtColon = false): { expr: string } => {
    const start = pos;
    let depth = 0;
    let inString = false;
    while (pos < text.length) {
      const ch = text[pos];
      if (inString) {
        if (ch === "'") inString = false;
      } else if (ch === "'") inString = true;
      else if (ch === '(' || ch === '[' || ch === '{') depth += 1;
      else if (ch === ')' || ch === ']' || ch === '}') {
        if (depth === 0) break;
        depth -= 1;
      } else if ((ch === '\n' || (stopAtColon && ch === ':')) && depth === 0) break;
      pos += 1;
    }
    return { expr: text.slice(start, pos).trim() };
  };
  const value = (): BicepValue => {
    skipSpace(false);
    const rest = text.slice(pos);
    if (rest.startsWith('{')) {
      pos += 1;
      const obj: { [key: string]: BicepValue } = {};
      for (;;) {
        skipSpace(true);
        if (text[pos] === '}') {
          pos += 1;
          return obj;
        }
        const key = text[pos] === "'" ? string() : word();
        expect(':');
        obj[key] = value();
      }
    }
    if (rest.startsWith('[')) {
      pos += 1;
      skipSpace(true);
      if (text.startsWith('for ', pos)) {
        const header = expression(true).expr;
        expect(':');
        const body = value();
        skipSpace(true);
        expect(']');
        return { for: header, body };
      }
      const arr: BicepValue[] = [];
      for (;;) {
        skipSpace(true);
        if (text[pos] === ']') {
          pos += 1;
          return arr;
        }
        arr.push(value());
      }
    }
    if (rest.startsWith("'")) {
      const s = string();
      skipSpace(false);
      // A string followed by more (a ternary, an operator) is an expression.
      if (text[pos] !== '\n' && text[pos] !== '}' && text[pos] !== ']' && pos < text.length) fail('unsupported string expression');
      return s;
    }
    const m = /^(true|false|-?\d+)(?=\s*(\n|$|\}|\]))/.exec(rest);
    if (m) {
      pos += m[1].length;
      return m[1] === 'true' ? true : m[1] === 'false' ? false : Number(m[1]);
    }
    return expression();
  };

  let decorators: string[] = [];
  for (;;) {
    skipSpace(true);
    if (pos >= text.length) break;
    if (text[pos] === '@') {
      pos += 1;
      decorators.push(expression().expr);
      continue;
    }
    const keyword = word();
    if (keyword === 'targetScope') {
      expect('=');
      value();
    } else if (keyword === 'param') {
      const name = word();
      const type = word();
      skipSpace(false);
      let def: BicepValue | undefined;
      if (text[pos] === '=') {
        pos += 1;
        def = value();
      }
      file.params[name] = { name, type, decorators, default: def };
    } else if (keyword === 'var') {
      const name = word();
      expect('=');
      file.vars[name] = value();
    } else if (keyword === 'resource') {
      const symbol = word();
      skipSpace(false);
      const [type, apiVersion] = string().split('@');
      skipSpace(false);
      let existing = false;
      if (text.startsWith('existing', pos)) {
        existing = true;
        pos += 'existing'.length;
      }
      expect('=');
      skipSpace(false);
      let condition: string | undefined;
      if (text.startsWith('if (', pos)) {
        pos += 'if '.length;
        const start = pos;
        let depth = 0;
        do {
          if (text[pos] === '(') depth += 1;
          if (text[pos] === ')') depth -= 1;
          pos += 1;
          if (pos > text.length) fail('unclosed condition');
        } while (depth > 0);
        condition = text.slice(start + 1, pos - 1).trim();
      }
      file.resources[symbol] = { symbol, type, apiVersion, existing, body: value(), ...(condition !== undefined ? { condition } : {}) };
    } else if (keyword === 'module') {
      const symbol = word();
      skipSpace(false);
      const modulePath = string();
      expect('=');
      file.modules[symbol] = { symbol, path: modulePath, body: value() };
    } else if (keyword === 'output') {
      const name = word();
      word();
      expect('=');
      file.outputs[name] = value();
    } else {
      fail(`unsupported statement ${keyword}`);
    }
    decorators = [];
  }
  return file;
}
