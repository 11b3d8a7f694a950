// The subset of Python literal syntax a .npy header uses (numpy writes it with repr(): a dict of str keys
// whose values are str, bool and tuples of int). Parsed, never evaluated. Dicts come back as Maps, tuples
// and lists as arrays.

export type PyValue = string | number | boolean | null | PyValue[] | Map<PyValue, PyValue>;

export function parsePyLiteral(text: string): PyValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`${what} at offset ${i}`);
  };
  const space = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const str = (): string => {
    const quote = text[i++];
    let out = '';
    for (;;) {
      const c = text[i++];
      if (c === undefined) return fail('unterminated string');
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = text[i++];
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
      if (e in simple) out += simple[e];
      else if (e === 'x' || e === 'u') {
        const len = e === 'x' ? 2 : 4;
        const hex = text.slice(i, i + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) fail('bad escape');
        out += String.fromCharCode(parseInt(hex, 16));
        i += len;
      } else fail('unknown escape');
    }
  };
  // Items up to `close`, separated by commas, a trailing comma allowed: (3,) and {'a': 1, }.
  const items = <T>(close: string, item: () => T): T[] => {
    const out: T[] = [];
    for (;;) {
      space();
      if (text[i] === close) {
        i++;
        return out;
      }
      out.push(item());
      space();
      if (text[i] === ',') i++;
      else if (text[i] !== close) fail(`expected "," or "${close}"`);
    }
  };
  const value = (): PyValue => {
    space();
    const c = text[i];
    if (c === "'" || c === '"') return str();
    if (c === '(' || c === '[') {
      i++;
      return items(c === '(' ? ')' : ']', value);
    }
    if (c === '{') {
      i++;
      return new Map(
        items('}', () => {
          const k = value();
          space();
          if (text[i++] !== ':') fail('expected ":"');
          return [k, value()] as [PyValue, PyValue];
        }),
      );
    }
    const word = /True|False|None|-?\d+L?/y;
    word.lastIndex = i;
    const m = word.exec(text);
    if (!m) return fail('unexpected character');
    i += m[0].length;
    if (m[0] === 'True' || m[0] === 'False') return m[0] === 'True';
    if (m[0] === 'None') return null;
    // Python 2's numpy wrote long integers with an L suffix: (3L, 28L).
    return Number(m[0].replace(/L$/, ''));
  };
  const out = value();
  space();
  if (i < text.length) fail('trailing characters');
  return out;
}
