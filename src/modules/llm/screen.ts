// The question screen (DESIGN.md §5 step 2): the first thing a natural-language question meets,
// before any model sees it. It is one cheap layer, not the defence: whatever SQL the model writes
// still goes through the guard, the policy and a read-only transaction. What it buys is refusing
// the obvious attempts early, with a category and the rule ids for the audit trail.
//
// Pure and synchronous; no model, no network. docs/security/prompt-injection.md describes the
// rules and the measured detection and false-positive rates.
import { decodeRuns, type DecodedQuestion } from './screen-decode.js';
import { SCREEN_RULES, type ScreenRule } from './screen-rules.js';
import { charClass, despace, fold, foldKeepingCase, rot13, skeleton } from './screen-text.js';

export type ScreenCategory =
  | 'length'
  | 'control_characters'
  | 'instruction_override'
  | 'role_play'
  | 'prompt_exfiltration'
  | 'data_exfiltration'
  | 'embedded_sql'
  | 'encoded_payload';

export interface ScreenLimits {
  maxChars: number;
}

export type ScreenResult =
  | { ok: true; question: string }
  | {
      ok: false;
      category: ScreenCategory;
      code: 'VALIDATION_ERROR' | 'PROMPT_INJECTION_DETECTED';
      reason: string;
      signals: string[];
    };

// Fixed per category: a reason never quotes the question, so it is safe in responses and logs.
const REASONS: Readonly<Record<ScreenCategory, string>> = {
  length: 'The question is empty or too long.',
  control_characters: 'The question contains control, invisible or text-direction characters.',
  instruction_override: "The question tries to change the assistant's instructions.",
  role_play: 'The question asks the assistant to take on another role or to drop its restrictions.',
  prompt_exfiltration: "The question asks for the assistant's instructions or configuration.",
  data_exfiltration: 'The question asks for credentials, system catalogs or data outside what you may query.',
  embedded_sql: 'The question contains SQL that writes data or escapes the query.',
  encoded_payload: 'The question contains encoded or disguised text.',
};

// Refused outright (VALIDATION_ERROR): C0 but \t and \n (CRLF is first folded to \n), DEL, C1;
// bidi embeddings, overrides, isolates and marks; zero-width characters and BOM; invisible
// operators and deprecated format characters; interlinear annotations; tag characters (used to
// smuggle invisible ASCII); lone surrogates.
const CONTROL_CLASSES: readonly (readonly [string, RegExp])[] = [
  ['control.c0', charClass([[0x00, 0x08], [0x0b, 0x1f]])],
  ['control.del_c1', charClass([[0x7f, 0x9f]])],
  ['control.bidi', charClass([[0x061c, 0x061c], [0x202a, 0x202e], [0x2066, 0x2069]])],
  ['control.zero_width', charClass([[0x200b, 0x200f], [0x2060, 0x2060], [0xfeff, 0xfeff]])],
  ['control.invisible', charClass([[0x2061, 0x2064], [0x206a, 0x206f], [0xfff9, 0xfffb]])],
  ['control.tag', charClass([[0xe0000, 0xe007f]])],
  ['control.lone_surrogate', /\p{Cs}/u],
];

// NFKC can shrink text (a base letter and its marks compose) by at most 4 code points to 1, and a
// code point is at most 2 UTF-16 units: longer input cannot fit, whatever it normalises to, so it
// is refused before paying for normalisation.
const MAX_SHRINK = 8;

function refuse(category: ScreenCategory, signals: string[]): ScreenResult {
  const code = category === 'length' || category === 'control_characters' ? 'VALIDATION_ERROR' : 'PROMPT_INJECTION_DETECTED';
  return { ok: false, category, code, reason: REASONS[category], signals };
}

function match(folded: string, cased: string): ScreenRule[] {
  return SCREEN_RULES.filter((rule) => rule.pattern.test(rule.cased ? cased : folded));
}

interface DisguisedForm {
  /** What was undone to get here: the first signal of a refusal found in this form. */
  readonly signal: string;
  readonly folded: string;
  readonly cased: string;
}

/** The forms that only a disguise could have hidden a rule in. */
function disguisedForms(question: string, folded: string, decoded: DecodedQuestion): DisguisedForm[] {
  const forms: DisguisedForm[] = [];
  const add = (signal: string, text: string, cased = text): void => {
    if (text !== folded && !forms.some((f) => f.folded === text)) forms.push({ signal, folded: text, cased });
  };
  const skel = skeleton(folded);
  add('obfuscation.homoglyph_or_leet', skel);
  // Before whitespace is collapsed: the wider gaps are where the words end.
  const joined = fold(despace(question));
  add('obfuscation.spaced_letters', joined);
  add('obfuscation.spaced_letters', skeleton(joined));
  add('encoded.rot13', rot13(folded));
  if (decoded.kinds.length > 0) {
    const signal = `encoded.${decoded.kinds.join('+')}`;
    const text = fold(decoded.text);
    add(signal, text, foldKeepingCase(decoded.text));
    add(signal, skeleton(text));
  }
  return forms;
}

function screenInjection(question: string): ScreenResult | undefined {
  const folded = fold(question);
  const hits = match(folded, foldKeepingCase(question));
  // The table is ordered by category; the first hit names the category, all are signals.
  if (hits.length > 0) return refuse((hits[0] as ScreenRule).category, hits.map((h) => h.id));
  // A rule seen only through a disguise: the disguise is the finding.
  const decoded = decodeRuns(question);
  for (const form of disguisedForms(question, folded, decoded)) {
    const disguised = match(form.folded, form.cased);
    if (disguised.length > 0) return refuse('encoded_payload', [form.signal, ...disguised.map((h) => h.id)]);
  }
  if (decoded.phrases.length > 0) return refuse('encoded_payload', decoded.phrases.map((k) => `encoded.${k}_phrase`));
  return undefined;
}

/**
 * Screens a natural-language question. On success returns the text to send on (NFKC, trimmed).
 * Length is counted in code points after normalisation; CRLF counts as one line break.
 */
export function screenQuestion(text: string, limits: ScreenLimits): ScreenResult {
  if (!Number.isSafeInteger(limits.maxChars) || limits.maxChars < 1) {
    throw new RangeError(`maxChars must be a positive integer, got ${limits.maxChars}`);
  }
  if (text.length > limits.maxChars * MAX_SHRINK) return refuse('length', ['length.max_chars']);
  const lines = text.replace(/\r\n/g, '\n');
  const control = CONTROL_CLASSES.filter(([, re]) => re.test(lines)).map(([id]) => id);
  if (control.length > 0) return refuse('control_characters', control);

  const question = lines.normalize('NFKC').trim();
  if (question.length === 0) return refuse('length', ['length.empty']);
  if ([...question].length > limits.maxChars) return refuse('length', ['length.max_chars']);

  return screenInjection(question) ?? { ok: true, question };
}
