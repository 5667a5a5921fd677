// Encoded runs inside a question: base64 (and base64url), hex (contiguous, 0x-prefixed or spaced
// byte pairs), percent-encoding, \u / \x / octal escapes and numeric HTML entities. A run is
// decoded only when the result reads as text; the screen then matches its rules against the
// question with every such run replaced by its decoded text, so a payload split between plain
// and encoded words ("print your \u0073ystem prompt") is read whole.

import { charClass } from './screen-text.js';

export type EncodingKind = 'base64' | 'hex' | 'percent' | 'escape' | 'entity';

export interface DecodedQuestion {
  /** The question with each readable run replaced by its decoded text (as written, not folded). */
  readonly text: string;
  /** Kinds of encoding found and decoded to text, in the order met. */
  readonly kinds: readonly EncodingKind[];
  /**
   * Kinds of encoding that carried a phrase (at least MIN_PHRASE_CHARS, two words or more) on
   * their own. An analyst has no reason to encode words, so this is refused even when the decoded
   * phrase matches no rule.
   */
  readonly phrases: readonly EncodingKind[];
}

const MIN_PHRASE_CHARS = 12;
const MAX_PASSES = 3; // double and triple encodings; each pass only shrinks the text

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function utf8(bytes: Uint8Array): string | undefined {
  try {
    return UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

// Controls but \t \n \r, DEL, C1, and U+FFFD (what a lenient decoder makes of bad bytes).
const NOT_TEXT = charClass([[0x00, 0x08], [0x0b, 0x0c], [0x0e, 0x1f], [0x7f, 0x9f], [0xfffd, 0xfffd]]);

/** Decoded bytes that read as text: no controls but \t \n \r, no U+FFFD, mostly letters. */
function readable(s: string): boolean {
  if (s.length < 4 || NOT_TEXT.test(s)) return false;
  const letters = s.match(/\p{L}/gu)?.length ?? 0;
  return letters / [...s].length >= 0.5;
}

/**
 * Bytes decoded from base64 or hex that are worth another pass: text, or printable ASCII long
 * enough that noise is unlikely to be (95/256 per byte) — a second layer of encoding, such as
 * base64 of percent-encoding.
 */
function readableOrEncoded(s: string): boolean {
  return readable(s) || (s.length >= 12 && /^[\x20-\x7e]+$/.test(s));
}

const isPhrase = (s: string): boolean => s.trim().length >= MIN_PHRASE_CHARS && /(?<!\p{L})\p{L}{2,}\s+\p{L}{2,}/u.test(s);

interface Found {
  readonly decoded: string;
  /** The encoding itself carries a phrase (see DecodedQuestion.phrases). */
  readonly phrase: boolean;
}

interface Decoder {
  readonly kind: EncodingKind;
  readonly run: RegExp;
  decode(run: string): Found | undefined;
}

/**
 * Escape-style encodings: a run of tokens each decoding to one character. Encoding a letter or a
 * digit is never needed, so a phrase counts only when at least three tokens hid one.
 */
function tokenDecoder(kind: EncodingKind, run: RegExp, token: RegExp, char: (t: string) => string | undefined): Decoder {
  return {
    kind,
    run,
    decode(text) {
      let hidden = 0;
      let bad = false;
      const decoded = text.replace(token, (t) => {
        const c = char(t);
        if (c === undefined) {
          bad = true;
          return t;
        }
        if (/^[\p{L}\p{N}]$/u.test(c)) hidden++;
        return c;
      });
      if (bad || !readable(decoded)) return undefined;
      return { decoded, phrase: hidden >= 3 && isPhrase(decoded) };
    },
  };
}

const fromCodePoint = (cp: number): string | undefined =>
  Number.isInteger(cp) && cp >= 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : undefined;

function percentDecode(text: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '%' && /^[0-9a-f]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(text[i] === '+' ? ' ' : (text[i] as string)));
  }
  return utf8(Uint8Array.from(bytes));
}

function bytesDecoder(kind: EncodingKind, run: RegExp, toBytes: (run: string) => Uint8Array | undefined): Decoder {
  return {
    kind,
    run,
    decode(text) {
      const bytes = toBytes(text);
      const decoded = bytes === undefined ? undefined : utf8(bytes);
      if (decoded === undefined || !readableOrEncoded(decoded)) return undefined;
      return { decoded, phrase: readable(decoded) && isPhrase(decoded) };
    },
  };
}

const hexBytes = (run: string): Uint8Array => {
  const digits = run.replace(/^0x/i, '').replace(/[^0-9a-f]/gi, '');
  return Uint8Array.from(Buffer.from(digits.slice(0, digits.length - (digits.length % 2)), 'hex'));
};

const base64Bytes = (run: string): Uint8Array | undefined => {
  const body = run.replace(/=+$/, '');
  if (body.length % 4 === 1) return undefined;
  return Uint8Array.from(Buffer.from(body, body.includes('-') || body.includes('_') ? 'base64url' : 'base64'));
};

// \u0041, \u{41}, \x41, \101 — and &#x41; &#65;.
const ESCAPE = String.raw`\\u\{[0-9a-f]{1,6}\}|\\u[0-9a-f]{4}|\\x[0-9a-f]{2}|\\[0-7]{3}`;
const ENTITY = String.raw`&#x[0-9a-f]{1,6};|&#\d{1,7};`;

function escapeChar(t: string): string | undefined {
  const kind = t[1]?.toLowerCase();
  if (kind === 'u') return fromCodePoint(parseInt(t.replace(/[\\u{}]/gi, ''), 16));
  if (kind === 'x') return fromCodePoint(parseInt(t.slice(2), 16));
  return fromCodePoint(parseInt(t.slice(1), 8));
}

const entityChar = (t: string): string | undefined =>
  fromCodePoint(t[2]?.toLowerCase() === 'x' ? parseInt(t.slice(3, -1), 16) : parseInt(t.slice(2, -1), 10));

// Order matters: escapes and entities first (their runs contain hex digits), hex before base64
// (every hex run is also valid base64, and decodes to noise that way).
const DECODERS: readonly Decoder[] = [
  tokenDecoder('escape', new RegExp(`(?:${ESCAPE}){2,}`, 'gi'), new RegExp(ESCAPE, 'gi'), escapeChar),
  tokenDecoder('entity', new RegExp(`(?:${ENTITY}){2,}`, 'gi'), new RegExp(ENTITY, 'gi'), entityChar),
  {
    kind: 'percent',
    run: /(?<![\w.~+%-])(?:[\w.~+-]*%[0-9a-f]{2}){2,}[\w.~+-]*/gi,
    decode(text) {
      const decoded = percentDecode(text);
      if (decoded === undefined || !readable(decoded)) return undefined;
      const hidden = (text.match(/%(?:3[0-9]|4[1-9a-f]|5[0-9a]|6[1-9a-f]|7[0-9a])/gi) ?? []).length;
      return { decoded, phrase: hidden >= 3 && isPhrase(decoded) };
    },
  },
  bytesDecoder('hex', /(?<!\w)(?:0x)?(?:[0-9a-f]{2}){8,}(?!\w)|(?<!\w)(?:[0-9a-f]{2}[ :,-]){7,}[0-9a-f]{2}(?!\w)/gi, hexBytes),
  bytesDecoder('base64', /(?<![\w+/=-])[A-Za-z0-9+/_-]{16,}={0,2}(?![\w+/=-])/g, base64Bytes),
];

/** Replaces every readable encoded run, repeatedly, so base64 of percent-encoding is read too. */
export function decodeRuns(question: string): DecodedQuestion {
  const kinds: EncodingKind[] = [];
  const phrases: EncodingKind[] = [];
  let text = question;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let changed = false;
    for (const d of DECODERS) {
      text = text.replace(d.run, (run) => {
        const found = d.decode(run);
        if (found === undefined) return run;
        changed = true;
        if (!kinds.includes(d.kind)) kinds.push(d.kind);
        if (found.phrase && !phrases.includes(d.kind)) phrases.push(d.kind);
        return found.decoded;
      });
    }
    if (!changed) break;
  }
  return { text, kinds, phrases };
}
