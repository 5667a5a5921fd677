// Mutable state of one analysis. The walker threads a single Analysis through every call and
// switches `sink`/`pred` in place (saved and restored by the caller) instead of allocating a
// context per node: the hot path budget is a fraction of a millisecond.
import type { ViolationCode } from './codes.js';
import type { CompiledPolicy } from './policy.js';
import type { Col, Rel } from './scope.js';

/** Refused before the walker loses its way, and well below the JS stack limit. */
const MAX_DEPTH = 200;
const MAX_VIOLATIONS = 50;

export interface RawViolation {
  readonly code: ViolationCode;
  readonly message: string;
  /** UTF-8 byte offset as reported by the parser; -1 when unknown. */
  readonly byteLocation: number;
}

export class Analysis {
  readonly violations: RawViolation[] = [];
  readonly tables = new Set<string>();
  /** "schema.table.column" of every base column read anywhere. */
  readonly accessed = new Set<string>();
  readonly functions = new Set<string>();
  readonly predicates = new Set<string>();
  /** Sources read inside a computed select-list item (anything but a plain column reference). */
  readonly computed = new Set<string>();
  /** Where touched sources go: the output column being built, or null. */
  sink: Set<string> | null = null;
  /** Whether touched sources are also predicate columns (WHERE, JOIN, ORDER BY…). */
  pred = false;
  /** Whether touched sources are being computed with in a select list. */
  computing = false;
  /** Collects the FROM items a WHERE clause touches, for the cartesian heuristic. */
  touchedRels: Set<Rel> | null = null;
  depth = 0;
  /** >0 while re-walking for lineage only (recursive CTEs): violations were already recorded. */
  muted = 0;
  /** Named windows of the SELECT being analysed → the sources of their definitions. */
  windows: Map<string, Set<string>> | undefined = undefined;
  /** Set when the SELECT being analysed calls an aggregate (risk: unaggregated scans). */
  aggregated = false;
  /** Output columns of analysed subquery expressions, for result-column naming. */
  readonly sublinks = new Map<object, readonly Col[]>();
  starUsed = false;
  cartesian = false;
  unfilteredScan = false;

  constructor(readonly policy: CompiledPolicy) {}

  violation(code: ViolationCode, message: string, byteLocation: number | undefined): void {
    if (this.muted > 0 || this.violations.length >= MAX_VIOLATIONS) return;
    this.violations.push({ code, message, byteLocation: byteLocation ?? -1 });
  }

  /** Records a read of `col` through `rel`. */
  touch(col: Col, rel: Rel | undefined): void {
    const { sink, pred } = this;
    for (const s of col.sources) {
      this.accessed.add(s);
      if (sink !== null) sink.add(s);
      if (pred) this.predicates.add(s);
      if (this.computing) this.computed.add(s);
    }
    if (rel !== undefined && this.touchedRels !== null) this.touchedRels.add(rel);
  }

  /** Adds already-collected sources (a subquery's output) to the current sink. */
  addSources(sources: Iterable<string>): void {
    const { sink, pred } = this;
    for (const s of sources) {
      if (sink !== null) sink.add(s);
      if (pred) this.predicates.add(s);
      if (this.computing) this.computed.add(s);
    }
  }

  /** Depth guard; callers must call leave() when enter() returned true. */
  enter(location: number | undefined): boolean {
    if (this.depth >= MAX_DEPTH) {
      this.violation('NESTING_TOO_DEEP', `nesting deeper than ${MAX_DEPTH} levels is not analysed`, location);
      return false;
    }
    this.depth++;
    return true;
  }

  leave(): void {
    this.depth--;
  }
}

/** Quotes an identifier for a message without echoing more than a name's worth of input. */
export function ident(name: string): string {
  const short = name.length > 63 ? `${name.slice(0, 63)}…` : name;
  let safe = '';
  for (const ch of short) safe += ch < ' ' || ch === '\u007f' || ch === '"' || ch === '\\' ? '?' : ch;
  return `"${safe}"`;
}
