// risk_score: 0 for a trivial safe read, growing with what the query touches and how much it
// may return; 1 only for refused statements. docs/guard.md documents the formula; approvals
// compare it against thresholds, so changing a weight is a behaviour change.
export interface RiskFactors {
  readonly piiColumns: number;
  readonly relations: number;
  /** Neither the statement nor the policy bounds the number of rows. */
  readonly unbounded: boolean;
  /** The statement has no LIMIT of its own (the policy's cap may still apply). */
  readonly noOwnLimit: boolean;
  readonly cartesian: boolean;
  readonly unfilteredScan: boolean;
  readonly starUsed: boolean;
}

export const RISK_WEIGHTS = {
  firstPii: 0.3,
  morePii: 0.05,
  morePiiCap: 0.2,
  perExtraRelation: 0.05,
  relationsCap: 0.2,
  unbounded: 0.15,
  noOwnLimit: 0.05,
  cartesian: 0.2,
  unfilteredScan: 0.1,
  star: 0.05,
  validCap: 0.99,
} as const;

export function riskScore(f: RiskFactors): number {
  const w = RISK_WEIGHTS;
  let score = 0;
  if (f.piiColumns > 0) score += w.firstPii + Math.min(w.morePiiCap, w.morePii * (f.piiColumns - 1));
  score += Math.min(w.relationsCap, w.perExtraRelation * Math.max(0, f.relations - 1));
  if (f.unbounded) score += w.unbounded;
  else if (f.noOwnLimit) score += w.noOwnLimit;
  if (f.cartesian) score += w.cartesian;
  if (f.unfilteredScan) score += w.unfilteredScan;
  if (f.starUsed) score += w.star;
  return Math.round(Math.min(w.validCap, score) * 100) / 100;
}
