// Built-in allowlist of side-effect-free pg_catalog functions. Anything not listed is refused:
// the list is short on purpose, because a single missed function (pg_sleep, query_to_xml,
// ts_stat, dblink, lo_import…) is a bypass, whereas a missing harmless one is a clear refusal
// that a policy's functions.allow can lift for custom functions.
const words = (s: string): string[] => s.trim().split(/\s+/);

const MATH = words(`
  abs cbrt ceil ceiling degrees div exp floor gcd lcm ln log log10 min_scale mod pi power pow
  radians round scale sign sqrt trim_scale trunc width_bucket random random_normal
  acos acosd asin asind atan atand atan2 atan2d cos cosd cot cotd sin sind tan tand
  sinh cosh tanh asinh acosh atanh erf erfc num_nulls num_nonnulls`);

const STRING = words(`
  ascii bit_length btrim char_length character_length chr concat concat_ws format initcap left
  length lower lpad ltrim md5 normalize is_normalized octet_length overlay position
  quote_ident quote_literal quote_nullable regexp_count regexp_instr regexp_like regexp_match
  regexp_matches regexp_replace regexp_split_to_array regexp_split_to_table regexp_substr repeat
  replace reverse right rpad rtrim split_part starts_with string_to_array string_to_table strpos
  substr substring to_ascii to_hex to_bin to_oct translate unistr upper encode decode
  sha224 sha256 sha384 sha512 get_bit get_byte bit_count similar_to_escape like_escape
  gen_random_uuid uuid_extract_timestamp uuid_extract_version to_char to_number`);

const DATETIME = words(`
  age clock_timestamp date_add date_bin date_part date_subtract date_trunc extract isfinite
  justify_days justify_hours justify_interval make_date make_interval make_time make_timestamp
  make_timestamptz now statement_timestamp timeofday transaction_timestamp to_date to_timestamp
  timezone overlaps`);

const AGGREGATE = words(`
  array_agg avg bit_and bit_or bit_xor bool_and bool_or count every max min sum string_agg
  json_agg jsonb_agg json_agg_strict jsonb_agg_strict json_object_agg jsonb_object_agg
  json_object_agg_strict jsonb_object_agg_strict json_object_agg_unique jsonb_object_agg_unique
  json_object_agg_unique_strict jsonb_object_agg_unique_strict any_value range_agg
  range_intersect_agg corr covar_pop covar_samp regr_avgx regr_avgy regr_count regr_intercept
  regr_r2 regr_slope regr_sxx regr_sxy regr_syy stddev stddev_pop stddev_samp variance var_pop
  var_samp mode percentile_cont percentile_disc`);

const WINDOW = words(`
  row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value`);

const JSON_FNS = words(`
  to_json to_jsonb array_to_json row_to_json json_build_array jsonb_build_array json_build_object
  jsonb_build_object json_object jsonb_object json_array_elements jsonb_array_elements
  json_array_elements_text jsonb_array_elements_text json_array_length jsonb_array_length
  json_each jsonb_each json_each_text jsonb_each_text json_extract_path jsonb_extract_path
  json_extract_path_text jsonb_extract_path_text json_object_keys jsonb_object_keys
  json_populate_record jsonb_populate_record json_populate_recordset jsonb_populate_recordset
  json_to_record jsonb_to_record json_to_recordset jsonb_to_recordset json_strip_nulls
  jsonb_strip_nulls jsonb_set jsonb_set_lax jsonb_insert jsonb_path_exists jsonb_path_match
  jsonb_path_query jsonb_path_query_array jsonb_path_query_first jsonb_path_exists_tz
  jsonb_path_match_tz jsonb_path_query_tz jsonb_path_query_array_tz jsonb_path_query_first_tz
  jsonb_pretty json_typeof jsonb_typeof`);

const ARRAY_RANGE = words(`
  array_append array_cat array_dims array_fill array_length array_lower array_ndims
  array_position array_positions array_prepend array_remove array_replace array_to_string
  array_upper cardinality trim_array unnest generate_subscripts generate_series
  lower_inc upper_inc lower_inf upper_inf isempty range_merge int4range int8range numrange
  daterange tsrange tstzrange`);

const TEXT_SEARCH = words(`
  to_tsvector to_tsquery plainto_tsquery phraseto_tsquery websearch_to_tsquery ts_rank ts_rank_cd
  ts_headline setweight strip tsvector_to_array array_to_tsvector numnode querytree`);

export const BUILTIN_FUNCTIONS: ReadonlySet<string> = new Set([
  ...MATH, ...STRING, ...DATETIME, ...AGGREGATE, ...WINDOW, ...JSON_FNS, ...ARRAY_RANGE, ...TEXT_SEARCH,
]);

/** Aggregates, for the risk score's "unaggregated scan" term. */
export const AGGREGATE_FUNCTIONS: ReadonlySet<string> = new Set(AGGREGATE);

/**
 * Allowed functions that return a set of rows. How many rows they return (none at all, for
 * regexp_matches without a match) depends on their arguments, so those arguments select rows
 * like a WHERE clause does: `generate_series(1, ascii(substr(ssn, 1, 1)))` spells out a digit
 * in a count.
 */
export const SET_RETURNING_FUNCTIONS: ReadonlySet<string> = new Set(words(`
  unnest generate_series generate_subscripts regexp_matches regexp_split_to_table string_to_table
  json_array_elements jsonb_array_elements json_array_elements_text jsonb_array_elements_text
  json_each jsonb_each json_each_text jsonb_each_text json_object_keys jsonb_object_keys
  json_populate_recordset jsonb_populate_recordset json_to_recordset jsonb_to_recordset
  jsonb_path_query jsonb_path_query_tz`));

// Never allowable, even by a policy: they sleep, touch files or large objects, take locks, read
// configuration or other sessions, reach other servers, or execute SQL text.
const HARD_DENY = new Set(words(`
  set_config current_setting nextval currval setval lastval query_to_xml query_to_xmlschema
  query_to_xml_and_xmlschema cursor_to_xml cursor_to_xmlschema table_to_xml table_to_xmlschema
  table_to_xml_and_xmlschema schema_to_xml schema_to_xmlschema schema_to_xml_and_xmlschema
  database_to_xml database_to_xmlschema database_to_xml_and_xmlschema ts_stat ts_rewrite
  setseed version current_query current_database current_schema current_schemas
  inet_server_addr inet_server_port inet_client_addr inet_client_port`));
const HARD_DENY_PREFIXES = ['pg_', 'lo_', 'dblink', 'txid_', 'has_', 'to_reg', 'binary_upgrade'];

/** True for "name" or "schema.name" entries a policy may never allow. */
export function isHardDeniedFunction(entry: string): boolean {
  const dot = entry.lastIndexOf('.');
  const schema = dot >= 0 ? entry.slice(0, dot) : '';
  const name = dot >= 0 ? entry.slice(dot + 1) : entry;
  if (schema.startsWith('pg_') || schema === 'information_schema') return true;
  return HARD_DENY.has(name) || HARD_DENY_PREFIXES.some((p) => name.startsWith(p));
}

// Output columns of multi-column set-returning functions used in FROM. Other functions in FROM
// produce one column named after the function (or the alias), as PostgreSQL does.
const SRF_COLUMNS: ReadonlyMap<string, readonly string[]> = new Map([
  ['json_each', ['key', 'value']],
  ['jsonb_each', ['key', 'value']],
  ['json_each_text', ['key', 'value']],
  ['jsonb_each_text', ['key', 'value']],
]);

/** Functions whose FROM-clause columns come only from a column definition list. */
export const RECORD_FUNCTIONS: ReadonlySet<string> = new Set(words(`
  json_to_record jsonb_to_record json_to_recordset jsonb_to_recordset`));

export function srfColumns(name: string): readonly string[] | undefined {
  return SRF_COLUMNS.get(name);
}
