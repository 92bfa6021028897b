/**
 * A strict XML well-formedness parser for APIM policy documents. Plain XML
 * rules everywhere, except that an attribute value or text run starting with
 * `@(` or `@{` is a C# policy expression read up to its matching bracket, so
 * its quotes, `&&` and `<` are allowed (APIM's rawxml format).
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: (XmlElement | string)[];
}

export class XmlSyntaxError extends Error {
  constructor(message: string, readonly offset: number, text: string) {
    const before = text.slice(0, offset).split('\n');
    super(`${message} at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`);
  }
}

const NAME = /[A-Za-z_:][A-Za-z0-9_.:-]*/y;
const ENTITY = /&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/y;

export function parsePolicyXml(text: string): XmlElement {
  let i = 0;
  const fail = (msg: string): never => {
    throw new XmlSyntaxError(msg, i, text);
  };
  const skipWs = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const skipMisc = () => {
    for (;;) {
      skipWs();
      if (text.startsWith('<!--', i)) comment();
      else if (text.startsWith('<?', i)) {
        const end = text.indexOf('?>', i);
        if (end < 0) fail('unterminated processing instruction');
        i = end + 2;
      } else return;
    }
  };
  const comment = () => {
    const end = text.indexOf('-->', i + 4);
    if (end < 0) fail('unterminated comment');
    if (text.slice(i + 4, end).includes('--')) fail('"--" inside a comment');
    i = end + 3;
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(text);
    if (!m) return fail('expected a name');
    i += m[0].length;
    return m[0];
  };
  /** Reads `@(...)` / `@{...}` starting at i; returns its text. */
  const expression = (): string => {
    const start = i;
    const open = text[i + 1]!;
    const close = open === '(' ? ')' : '}';
    let depth = 0;
    i += 1;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"' || c === "'") {
        const verbatim = c === '"' && text[i - 1] === '@';
        i++;
        while (i < text.length && text[i] !== c) {
          if (text[i] === '\\' && !verbatim) i++;
          else if (verbatim && text[i] === '"' && text[i + 1] === '"') i++;
          i++;
        }
        if (i >= text.length) fail('unterminated string inside a policy expression');
      } else if (c === open) depth++;
      else if (c === close && --depth === 0) {
        i++;
        return text.slice(start, i);
      }
      i++;
    }
    return fail('unterminated policy expression');
  };
  const checkEntities = (s: string, at: number) => {
    for (let k = s.indexOf('&'); k >= 0; k = s.indexOf('&', k + 1)) {
      ENTITY.lastIndex = k;
      if (!ENTITY.test(s)) {
        i = at + k;
        fail('bare "&" (write &amp;)');
      }
    }
  };
  const element = (): XmlElement => {
    if (text[i] !== '<') fail('expected "<"');
    i++;
    const el: XmlElement = { name: name(), attrs: {}, children: [] };
    for (;;) {
      const before = i;
      skipWs();
      if (text.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (text[i] === '>') {
        i++;
        break;
      }
      if (i === before) fail('expected whitespace before an attribute');
      const attr = name();
      if (attr in el.attrs) fail(`duplicate attribute "${attr}"`);
      skipWs();
      if (text[i] !== '=') fail(`expected "=" after ${attr}`);
      i++;
      skipWs();
      const q = text[i];
      if (q !== '"' && q !== "'") fail('attribute value must be quoted');
      i++;
      const valueStart = i;
      if (text[i] === '@' && (text[i + 1] === '(' || text[i + 1] === '{')) expression();
      while (i < text.length && text[i] !== q) {
        if (text[i] === '<') fail('"<" in an attribute value');
        i++;
      }
      if (i >= text.length) fail('unterminated attribute value');
      const value = text.slice(valueStart, i);
      if (!/^@[({]/.test(value)) checkEntities(value, valueStart);
      el.attrs[attr] = value;
      i++;
    }
    for (;;) {
      if (i >= text.length) fail(`<${el.name}> is never closed`);
      if (text.startsWith('</', i)) {
        i += 2;
        const closing = name();
        if (closing !== el.name) fail(`</${closing}> closes <${el.name}>`);
        skipWs();
        if (text[i] !== '>') fail('expected ">"');
        i++;
        return el;
      }
      if (text.startsWith('<!--', i)) comment();
      else if (text.startsWith('<![CDATA[', i)) {
        const end = text.indexOf(']]>', i);
        if (end < 0) fail('unterminated CDATA');
        el.children.push(text.slice(i + 9, end));
        i = end + 3;
      } else if (text[i] === '<') el.children.push(element());
      else if (text[i] === '@' && (text[i + 1] === '(' || text[i + 1] === '{')) el.children.push(expression());
      else {
        const start = i;
        while (i < text.length && text[i] !== '<' && !(text[i] === '@' && /[({]/.test(text[i + 1] ?? ''))) i++;
        const run = text.slice(start, i);
        checkEntities(run, start);
        if (run.trim()) el.children.push(run);
      }
    }
  };

  skipMisc();
  const root = element();
  skipMisc();
  if (i < text.length) fail('content after the root element');
  return root;
}

/** Every element named `name`, depth first, document order. */
export function findAll(root: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (el: XmlElement) => {
    if (el.name === name) out.push(el);
    for (const c of el.children) if (typeof c !== 'string') walk(c);
  };
  walk(root);
  return out;
}

export function childElements(el: XmlElement): XmlElement[] {
  return el.children.filter((c): c is XmlElement => typeof c !== 'string');
}
