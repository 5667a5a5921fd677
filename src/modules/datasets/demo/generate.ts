import { DEMO_SCHEMA } from './schema.js';

/**
 * The demo loan portfolio's rows: a fixed seed, so every install gets the same 10,008 rows and the
 * README's examples show the same answers everywhere. Names, emails (example.* domains only),
 * phones (555 numbers) and SSNs are invented; SSNs stay inside the issued ranges so PII detection
 * has something real-looking to find.
 */
export const DEMO_COUNTS = { branches: 8, customers: 1500, loans: 2500, transactions: 6000 } as const;

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    // mulberry32: small, fast, and the same sequence on every platform.
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['Ada', 'Ben', 'Carla', 'Deepak', 'Elena', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kemi', 'Liam', 'Mei', 'Nora', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sven', 'Tara', 'Umar', 'Vera', 'Wen', 'Yusuf', 'Zoe'];
const LAST = ['Abbott', 'Baker', 'Chen', 'Diaz', 'Evans', 'Fischer', 'Garcia', 'Haddad', 'Ito', 'Jensen', 'Khan', 'Lopez', 'Moreau', 'Novak', 'Okafor', 'Patel', 'Rossi', 'Schmidt', 'Tanaka', 'Weber'];
const BRANCHES = [
  ['Harbour Street', 'Portsmouth', 'south'], ['Market Square', 'Leeds', 'north'], ['Old Mill', 'Norwich', 'east'], ['Riverside', 'Bristol', 'west'],
  ['Castle Gate', 'York', 'north'], ['Kings Road', 'Brighton', 'south'], ['Cathedral Close', 'Exeter', 'west'], ['Dock Lane', 'Ipswich', 'east'],
];
const DOMAINS = ['example.com', 'example.org', 'example.net'];
const STATUS = ['active', 'active', 'active', 'closed', 'late', 'defaulted'];
const GRADES = ['A', 'B', 'B', 'C', 'C', 'D', 'E'];
const KINDS = ['payment', 'payment', 'payment', 'interest', 'fee'];

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const text = (s: string) => `'${s.replace(/'/g, "''")}'`;

function ssn(r: () => number): string {
  // Area 001–899 without 666, group 01–99, serial 0001–9999: the ranges the SSA issues.
  let area = 1 + Math.floor(r() * 899);
  if (area === 666) area = 667;
  return `${pad(area, 3)}-${pad(1 + Math.floor(r() * 99), 2)}-${pad(1 + Math.floor(r() * 9999), 4)}`;
}

/** INSERT statements (500 rows each) for every demo table, in dependency order. */
export function demoDataSql(seed = 20_240_601): string[] {
  const r = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
  const rows: Record<string, string[]> = { branches: [], customers: [], loans: [], transactions: [] };
  BRANCHES.forEach(([name, city, region], i) => rows.branches?.push(`(${i + 1}, ${text(name as string)}, ${text(city as string)}, ${text(region as string)})`));
  const branchOf: number[] = [];
  const base = Date.UTC(2015, 0, 1);
  for (let id = 1; id <= DEMO_COUNTS.customers; id++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const branch = 1 + Math.floor(r() * DEMO_COUNTS.branches);
    branchOf[id] = branch;
    const email = `${first}.${last}${id}@${pick(DOMAINS)}`.toLowerCase();
    const phone = `+1-555-${pad(Math.floor(r() * 1000), 3)}-${pad(Math.floor(r() * 10000), 4)}`;
    const born = day(Date.UTC(1940, 0, 1) + Math.floor(r() * 63 * 365.25) * 86_400_000);
    const created = new Date(base + Math.floor(r() * 9 * 365 * 86_400_000)).toISOString();
    rows.customers?.push(`(${id}, ${text(`${first} ${last}`)}, ${text(email)}, ${text(phone)}, ${text(ssn(r))}, '${born}', ${branch}, '${created}')`);
  }
  for (let id = 1; id <= DEMO_COUNTS.loans; id++) {
    const customer = 1 + Math.floor(r() * DEMO_COUNTS.customers);
    // Most loans are small; a few are large (r()^4 skews towards the low end).
    const amount = (1000 + r() ** 4 * 1_999_000).toFixed(2);
    const rate = (2 + r() * 14).toFixed(3);
    const issued = base + Math.floor(r() * 9 * 365) * 86_400_000;
    const maturity = issued + (12 + Math.floor(r() * 29) * 12) * 30 * 86_400_000;
    rows.loans?.push(`(${id}, ${customer}, ${branchOf[customer] as number}, ${amount}, ${rate}, '${pick(STATUS)}', '${pick(GRADES)}', '${day(issued)}', '${day(maturity)}')`);
  }
  for (let id = 1; id <= DEMO_COUNTS.transactions; id++) {
    const loan = 1 + Math.floor(r() * DEMO_COUNTS.loans);
    const at = new Date(base + Math.floor(r() * 10 * 365 * 86_400_000)).toISOString();
    rows.transactions?.push(`(${id}, ${loan}, ${(10 + r() * 5000).toFixed(2)}, '${pick(KINDS)}', '${at}')`);
  }
  const statements: string[] = [];
  for (const [table, values] of Object.entries(rows)) {
    for (let i = 0; i < values.length; i += 500) statements.push(`INSERT INTO ${DEMO_SCHEMA}.${table} VALUES\n${values.slice(i, i + 500).join(',\n')}`);
  }
  return statements;
}
