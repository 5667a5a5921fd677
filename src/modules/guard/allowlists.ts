// Operators, types and keyword functions the guard accepts. Operators and types resolve through
// the search path like functions do, so they are allowlisted the same way: a user-defined
// operator or a domain type can run arbitrary code, a reg* cast reads the catalogs.
const words = (s: string): string[] => s.trim().split(/\s+/);

export const OPERATORS: ReadonlySet<string> = new Set(words(`
  = <> != < > <= >= + - * / % ^ |/ ||/ @ & | # ~ << >> <<= >>=
  || ~~ !~~ ~~* !~~* ~* !~ ^@
  -> ->> #> #>> @> <@ ? ?| ?& #- @? @@ @@@ && -|- &< &> !! <->`));

// Type names as they appear in the parse tree (the parser rewrites "integer" to pg_catalog.int4,
// "character varying" to varchar, and so on). Arrays of these are accepted too.
export const TYPES: ReadonlySet<string> = new Set(words(`
  bool int2 int4 int8 numeric float4 float8 money text varchar bpchar char name bytea
  date time timetz timestamp timestamptz interval json jsonb jsonpath uuid inet cidr
  macaddr macaddr8 bit varbit tsvector tsquery int4range int8range numrange daterange tsrange
  tstzrange int4multirange int8multirange nummultirange datemultirange tsmultirange tstzmultirange`));

// SQL keyword functions (current_date…). The role, catalog and schema ones (current_user…) are
// not listed and so refused: they describe the server, not the data.
export const SQL_VALUE_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  ['SVFOP_CURRENT_DATE', 'current_date'],
  ['SVFOP_CURRENT_TIME', 'current_time'],
  ['SVFOP_CURRENT_TIME_N', 'current_time'],
  ['SVFOP_CURRENT_TIMESTAMP', 'current_timestamp'],
  ['SVFOP_CURRENT_TIMESTAMP_N', 'current_timestamp'],
  ['SVFOP_LOCALTIME', 'localtime'],
  ['SVFOP_LOCALTIME_N', 'localtime'],
  ['SVFOP_LOCALTIMESTAMP', 'localtimestamp'],
  ['SVFOP_LOCALTIMESTAMP_N', 'localtimestamp'],
]);

/** Built-in TABLESAMPLE methods; extension methods (system_rows…) are refused. */
export const TABLESAMPLE_METHODS: ReadonlySet<string> = new Set(['bernoulli', 'system']);

export const A_EXPR_KINDS: ReadonlySet<string> = new Set(words(`
  AEXPR_OP AEXPR_OP_ANY AEXPR_OP_ALL AEXPR_DISTINCT AEXPR_NOT_DISTINCT AEXPR_NULLIF AEXPR_IN
  AEXPR_LIKE AEXPR_ILIKE AEXPR_SIMILAR AEXPR_BETWEEN AEXPR_NOT_BETWEEN AEXPR_BETWEEN_SYM
  AEXPR_NOT_BETWEEN_SYM`));

/** Explain options that do not execute the statement; ANALYZE is handled separately. */
export const EXPLAIN_OPTIONS: ReadonlySet<string> = new Set(words(`
  verbose costs settings generic_plan format summary memory`));
