// The forms of a question the screen's rules are matched against. Every form is derived from the
// NFKC text; none is ever shown to anyone. The goal is that the cheap tricks (case, spacing,
// look-alike letters, leetspeak, letter-by-letter spacing, encodings) all land on the same
// lowercase English the rules are written in.

export type CodePointRange = readonly [from: number, to: number];

/** A `u`-flag character class over code-point ranges (kept as numbers so the table reads plainly). */
export function charClass(ranges: readonly CodePointRange[], flags = 'u'): RegExp {
  const hex = (cp: number): string => `\\u{${cp.toString(16)}}`;
  return new RegExp(`[${ranges.map(([a, b]) => (a === b ? hex(a) : `${hex(a)}-${hex(b)}`)).join('')}]`, flags);
}

// Characters that render as nothing. The screen refuses the worst of them outright (screen.ts);
// the rest (soft hyphen, variation selectors, fillers…) are legitimate in pasted text, so they are
// only dropped for matching: "pass\u00adword" must still read as "password".
const IGNORABLE = charClass(
  [
    [0x00ad, 0x00ad], [0x034f, 0x034f], [0x061c, 0x061c], [0x115f, 0x1160], [0x17b4, 0x17b5], [0x180b, 0x180f],
    [0x200b, 0x200f], [0x202a, 0x202e], [0x2060, 0x206f], [0x3164, 0x3164], [0xfe00, 0xfe0f], [0xfeff, 0xfeff],
    [0xffa0, 0xffa0], [0x1bca0, 0x1bca3], [0x1d173, 0x1d17a], [0xe0000, 0xe0fff],
  ],
  'gu',
);

/** NFKC, invisible characters dropped, lowercase; horizontal space collapsed, line breaks kept. */
export function fold(text: string): string {
  return text
    .normalize('NFKC')
    .replace(IGNORABLE, '')
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[\r\n\u2028\u2029\u0085]+/g, '\n')
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ ?\n[\n ]*/g, '\n')
    .trim();
}

/** Like fold, but keeping case: for the few rules where case is the signal ("DAN" vs "Dan"). */
export function foldKeepingCase(text: string): string {
  return text.normalize('NFKC').replace(IGNORABLE, '').replace(/\s+/g, ' ').trim();
}

// Cyrillic, Greek and other letters that look like Latin ones once lowercased. Deliberately
// small: the skeleton is matched in addition to the folded text, never instead of it, so Russian
// or Greek questions are still matched as written.
const HOMOGLYPHS: Readonly<Record<string, string>> = {
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y',
  х: 'x', і: 'i', ї: 'i', ј: 'j', ѕ: 's', һ: 'h', ԁ: 'd', ԛ: 'q', ԝ: 'w', ɑ: 'a', ɡ: 'g', ı: 'i',
  ȷ: 'j', α: 'a', β: 'b', γ: 'y', ε: 'e', η: 'n', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't',
  υ: 'u', χ: 'x', օ: 'o', ս: 'u', հ: 'h',
};
const HOMOGLYPH_CHARS = new RegExp(`[${Object.keys(HOMOGLYPHS).join('')}]`, 'gu');

const LEET: Readonly<Record<string, string>> = {
  '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g', '@': 'a', '$': 's',
};

/**
 * Look-alike letters mapped to Latin, and leetspeak undone — but only inside tokens that mix
 * letters with digits or @/$, so "top 10 branches" and "2024" are left alone.
 */
export function skeleton(folded: string): string {
  return folded
    .replace(HOMOGLYPH_CHARS, (c) => HOMOGLYPHS[c] ?? c)
    .replace(/[\p{L}\p{N}@$]+/gu, (token) =>
      /\p{L}/u.test(token) && /[\d@$]/.test(token) ? token.replace(/[\d@$]/g, (c) => LEET[c] ?? c) : token,
    );
}

/**
 * "i g n o r e" and "i.g.n.o.r.e" → "ignore": runs of four or more single letters, exactly one
 * separator apart. Applied before whitespace is collapsed, so "i g n o r e   p r e v i o u s"
 * keeps its word gap.
 */
export function despace(text: string): string {
  return text.replace(/(?<![\p{L}\p{N}])(?:\p{L}[ .\-_*·•|/]){3,}\p{L}(?![\p{L}\p{N}])/gu, (run) =>
    run.replace(/[ .\-_*·•|/]/g, ''),
  );
}

export function rot13(folded: string): string {
  return folded.replace(/[a-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 97 + 13) % 26) + 97));
}
