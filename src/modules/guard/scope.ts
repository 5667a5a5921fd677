// Name resolution, following PostgreSQL's rules closely enough that the guard and the server
// always agree on which table a name denotes: innermost query level first, ambiguity within a
// level is an error, JOIN children are visible by table name only, aliases hide table names.
import type { CompiledTable } from './policy.js';

export interface Col {
  readonly name: string;
  /** "schema.table.column" of the base columns this value derives from. */
  readonly sources: readonly string[];
  /** Expanded from `*` over a base table: its position in the real table is not known. */
  readonly star: boolean;
}

export interface Rel {
  /** Name usable as a qualifier (alias, table name, CTE name); undefined when unnamed. */
  readonly name: string | undefined;
  /** Resolved schema of an unaliased base table, for schema-qualified references. */
  readonly schema: string | undefined;
  readonly cols: readonly Col[];
  /** Set for base tables: column lookups go through the policy. */
  readonly table: CompiledTable | undefined;
  relVisible: boolean;
  colsVisible: boolean;
  /** Index of the top-level FROM item it belongs to (cartesian-product heuristic). */
  readonly group: number;
  /** Function, VALUES or LATERAL items are not counted as join partners. */
  readonly joinable: boolean;
  /**
   * May hold columns the guard does not know: a base table (the policy lists only the allowed
   * columns), or anything exposing such a table's `*`. An unqualified name that a level with an
   * opaque item does not resolve must not fall through to an outer level: the server would find
   * it in the hidden columns first.
   */
  readonly opaque: boolean;
  /** Stand-in for a relation already refused: references to it add no further violations. */
  readonly refused?: boolean;
}

export interface CteEntry {
  readonly name: string;
  /**
   * undefined while pending (a forward reference inside WITH RECURSIVE); provisional columns
   * while the CTE's own recursive term is analysed; final afterwards.
   */
  cols: readonly Col[] | undefined;
}

export class Scope {
  rels: Rel[] = [];
  ctes: Map<string, CteEntry> | undefined;
  constructor(readonly parent: Scope | undefined) {}

  findCte(name: string): CteEntry | undefined {
    return this.ctes?.get(name) ?? this.parent?.findCte(name);
  }
}

export const AMBIGUOUS = Symbol('ambiguous');

/** Returned when the name may be a hidden column of an opaque item. */
export interface OpaqueMiss {
  readonly opaque: Rel;
}

export interface ColumnHit {
  readonly col: Col;
  readonly rel: Rel;
}

function colIn(rel: Rel, name: string): Col | typeof AMBIGUOUS | undefined {
  if (rel.table && rel.cols === rel.table.cols) return rel.table.byName.get(name);
  let found: Col | undefined;
  for (const c of rel.cols) {
    if (c.name !== name) continue;
    if (found) return AMBIGUOUS;
    found = c;
  }
  return found;
}

/** Unqualified column: the first query level that has it wins; two providers there = ambiguous. */
export function findColumn(scope: Scope, name: string): ColumnHit | OpaqueMiss | typeof AMBIGUOUS | undefined {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    let hit: ColumnHit | undefined;
    let opaque: Rel | undefined;
    for (const rel of s.rels) {
      if (!rel.colsVisible) continue;
      if (rel.opaque) opaque ??= rel;
      const col = colIn(rel, name);
      if (col === undefined) continue;
      if (col === AMBIGUOUS || hit) return AMBIGUOUS;
      hit = { col, rel };
    }
    if (hit) return hit;
    if (opaque) return { opaque };
  }
  return undefined;
}

/** Qualified reference `[schema.]name`: the innermost level holding a relation of that name. */
export function findRel(scope: Scope, schema: string | undefined, name: string): Rel | typeof AMBIGUOUS | undefined {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    let hit: Rel | undefined;
    for (const rel of s.rels) {
      if (!rel.relVisible || rel.name !== name) continue;
      if (schema !== undefined && rel.schema !== schema) continue;
      if (hit) return AMBIGUOUS;
      hit = rel;
    }
    if (hit) return hit;
  }
  return undefined;
}

export function columnOf(rel: Rel, name: string): Col | typeof AMBIGUOUS | undefined {
  return colIn(rel, name);
}

