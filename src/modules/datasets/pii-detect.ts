import type { MaskingKind } from './types.js';

/** What introspection proposes for one column; an admin confirms or changes it. */
export interface PiiProposal {
  pii: boolean;
  masking: MaskingKind | null;
  reasons: string[];
}

type Detector = 'email' | 'phone' | 'ssn' | 'card' | 'iban' | 'date_of_birth' | 'name' | 'address';

const MASKING: Record<Detector, MaskingKind> = {
  email: 'email',
  phone: 'last4',
  ssn: 'last4',
  card: 'last4',
  iban: 'last4',
  date_of_birth: 'redact',
  name: 'partial',
  address: 'partial',
};

const NAME_HINTS: [Detector, RegExp][] = [
  ['email', /e[-_]?mail/],
  ['phone', /phone|mobile|^cell|fax|^tel$|telephone/],
  ['ssn', /(^|_)ssn($|_)|social_?security|national_?id|tax_?id|(^|_)(tin|nin)$/],
  ['card', /card_?(number|num|no)|credit_?card|(^|_)pan$|cc_?num/],
  ['iban', /iban|account_?(number|num|no)|acct_?(number|num|no)/],
  ['date_of_birth', /(^|_)dob$|birth|(^|_)born/],
  ['name', /^(full|first|last|given|family|middle|maiden)_?name$|^surname$/],
  ['address', /address|street|post_?code|zip_?code/],
];
const PEOPLE_TABLES = /customer|client|user|person|people|employee|member|patient|contact|account_holder/;

/** Luhn checksum (ISO/IEC 7812): card numbers pass, 90% of random digit strings do not. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** ISO 13616 IBAN check: letters to numbers, the country and check digits moved last, mod 97 = 1. */
export function ibanValid(text: string): boolean {
  const iban = text.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const digits = (iban.slice(4) + iban.slice(0, 4)).replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rest = 0;
  for (const ch of digits) rest = (rest * 10 + Number(ch)) % 97;
  return rest === 1;
}

/** A US SSN in dashed form from the issued ranges: not area 000, 666 or 900–999, group 00 or serial 0000. */
export function ssnValid(text: string): boolean {
  const m = /^(\d{3})-(\d{2})-(\d{4})$/.exec(text.trim());
  if (!m) return false;
  const area = Number(m[1]);
  return area !== 0 && area !== 666 && area < 900 && m[2] !== '00' && m[3] !== '0000';
}

const YEAR_MS = 365.25 * 86_400_000;

const VALUE_TESTS: [Detector, (v: string, now: number) => boolean][] = [
  ['email', (v) => /^[^\s@]{1,64}@[^\s@]+\.[A-Za-z]{2,}$/.test(v)],
  ['ssn', ssnValid],
  ['iban', ibanValid],
  ['card', (v) => /^\d[\d -]{11,22}\d$/.test(v) && /^\d{13,19}$/.test(v.replace(/[ -]/g, '')) && luhnValid(v.replace(/[ -]/g, ''))],
  // Dates and the SSN shape are not phones, whatever their digit count.
  ['phone', (v) => /^\+?[\d\s().-]{7,20}$/.test(v) && !/^\d{4}-\d{2}-\d{2}|^\d{3}-\d{2}-\d{4}$/.test(v) && /^\d{7,15}$/.test(v.replace(/\D/g, ''))],
  [
    'date_of_birth',
    (v, now) => {
      if (!/^\d{4}-\d{2}-\d{2}/.test(v)) return false;
      const age = (now - Date.parse(v.slice(0, 10))) / YEAR_MS;
      return age >= 14 && age <= 120;
    },
  ],
];

/** Share of sampled values a detector must match, and the fewest values it needs, to count. */
const VALUE_SHARE = 0.8;
const MIN_VALUES = 3;

/**
 * Proposes whether a column holds PII, from its name (within its table) and a sample of its values
 * in text form. Values are examined here and never returned or logged: the proposal carries only
 * the detector and the share of values that matched.
 */
export function proposePii(table: string, column: string, values: readonly (string | null)[], now = Date.now()): PiiProposal {
  const name = column.toLowerCase();
  const reasons: string[] = [];
  let found: Detector | undefined;
  for (const [detector, hint] of NAME_HINTS) {
    if (hint.test(name)) {
      found = detector;
      reasons.push(`the column name suggests ${detector.replace(/_/g, ' ')}`);
      break;
    }
  }
  if (!found && name === 'name' && PEOPLE_TABLES.test(table.toLowerCase())) {
    found = 'name';
    reasons.push('a name column in a table of people');
  }
  const present = values.filter((v): v is string => v !== null && v !== '');
  if (present.length >= MIN_VALUES) {
    for (const [detector, test] of VALUE_TESTS) {
      const matched = present.filter((v) => test(v, now)).length;
      if (matched / present.length >= VALUE_SHARE) {
        // A date column matches "date of birth" by value only alongside a name hint or none at all.
        if (detector === 'date_of_birth' && found && found !== 'date_of_birth') continue;
        found ??= detector;
        reasons.push(`${Math.round((matched / present.length) * 100)}% of ${present.length} sampled values look like ${detector.replace(/_/g, ' ')}`);
        break;
      }
    }
  }
  return found ? { pii: true, masking: MASKING[found], reasons } : { pii: false, masking: null, reasons };
}
