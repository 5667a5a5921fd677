/**
 * PostgreSQL text values → JSON values, by type OID. Integers and floats become numbers (int8 only
 * when exact), numeric stays a string (no rounding), json/jsonb are parsed, booleans become
 * booleans; dates, timestamps (printed ISO in UTC by the executor's session settings) and
 * everything else stay the server's text.
 */
const TYPE_NAMES: Record<number, string> = {
  16: 'boolean', 17: 'bytea', 18: 'char', 19: 'name', 20: 'bigint', 21: 'smallint', 23: 'integer', 25: 'text', 26: 'oid',
  114: 'json', 142: 'xml', 700: 'real', 701: 'double precision', 869: 'inet', 650: 'cidr', 1042: 'character', 1043: 'character varying',
  1082: 'date', 1083: 'time', 1114: 'timestamp', 1184: 'timestamptz', 1186: 'interval', 1266: 'timetz', 1700: 'numeric',
  2950: 'uuid', 3802: 'jsonb', 1000: 'boolean[]', 1005: 'smallint[]', 1007: 'integer[]', 1016: 'bigint[]', 1009: 'text[]',
  1015: 'character varying[]', 1021: 'real[]', 1022: 'double precision[]', 1231: 'numeric[]', 1182: 'date[]', 1185: 'timestamptz[]',
  2951: 'uuid[]', 3807: 'jsonb[]', 2278: 'void', 2249: 'record', 705: 'unknown',
};

export function typeName(oid: number): string {
  return TYPE_NAMES[oid] ?? `oid:${oid}`;
}

type Decoder = (text: string) => unknown;

const integer: Decoder = (t) => Number(t);
const bigint: Decoder = (t) => {
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : t;
};
const float: Decoder = (t) => {
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
};
const json: Decoder = (t) => JSON.parse(t) as unknown;

const DECODERS: Record<number, Decoder> = {
  16: (t) => t === 't',
  20: bigint,
  21: integer,
  23: integer,
  26: integer,
  700: float,
  701: float,
  114: json,
  3802: json,
};

export function decoderFor(oid: number): Decoder | undefined {
  return DECODERS[oid];
}

export function decodeRows(rows: (string | null)[][], oids: number[]): unknown[][] {
  const decoders = oids.map(decoderFor);
  return rows.map((row) => row.map((v, i) => (v === null ? null : (decoders[i]?.(v) ?? v))));
}
