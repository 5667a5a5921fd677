import { randomUUID } from 'node:crypto';
import type { Db, Executor } from '../../platform/db/index.js';
import { AppError } from '../../platform/errors.js';
import type { AuditService } from '../audit/index.js';
import type { Principal } from '../identity/index.js';

/** Usage is kept per calendar month (UTC); a new month starts at zero. */
export function period(at = new Date()): string {
  return at.toISOString().slice(0, 7);
}

export function nextPeriodStart(at = new Date()): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
}

export interface Spend {
  tokens: number;
  costMicros: number;
}

/** An open reservation (`id` null when no budget applied and nothing was reserved). */
export interface Reservation {
  id: string | null;
  period: string;
  estimate: Spend;
}

/** Who is charged: the user, and with them their organization. */
export type Spender = Pick<Principal, 'organizationId' | 'userId'>;

interface Subject {
  organizationId: string;
  userId: string | null;
}

const NO_USER = '00000000-0000-0000-0000-000000000000';

/** What a subject spent and reserved this month; `lock` opens the month's row and locks it. */
async function usageRow(db: Executor, s: Subject, p: string, lock: boolean) {
  if (lock) {
    await db.query(
      `INSERT INTO llm_usage (organization_id, user_id, period) VALUES ($1, $2, $3)
       ON CONFLICT (organization_id, COALESCE(user_id, '${NO_USER}'::uuid), period) DO NOTHING`,
      [s.organizationId, s.userId, p],
    );
  }
  const { rows } = await db.query<{ tokens: number; cost_micros: number; reserved_tokens: number; reserved_cost_micros: number }>(
    `SELECT tokens, cost_micros, reserved_tokens, reserved_cost_micros FROM llm_usage
     WHERE organization_id = $1 AND COALESCE(user_id, '${NO_USER}'::uuid) = COALESCE($2::uuid, '${NO_USER}'::uuid) AND period = $3${lock ? ' FOR UPDATE' : ''}`,
    [s.organizationId, s.userId, p],
  );
  const r = rows[0] ?? { tokens: 0, cost_micros: 0, reserved_tokens: 0, reserved_cost_micros: 0 };
  return { tokens: Number(r.tokens) + Number(r.reserved_tokens), costMicros: Number(r.cost_micros) + Number(r.reserved_cost_micros) };
}

interface Budget {
  tokens: number | null;
  costMicros: number | null;
}

const limited = (b: Budget) => b.tokens !== null || b.costMicros !== null;

/** The organization's budget and the user's, in one read; a subject without a row has no limit. */
async function budgetsOf(db: Executor, spender: Spender): Promise<{ organization: Budget; user: Budget }> {
  const { rows } = await db.query<{ user_id: string | null; monthly_tokens: number | null; monthly_cost_micros: number | null }>(
    'SELECT user_id, monthly_tokens, monthly_cost_micros FROM llm_budgets WHERE organization_id = $1 AND (user_id IS NULL OR user_id = $2)',
    [spender.organizationId, spender.userId],
  );
  const of = (userId: string | null): Budget => {
    const r = rows.find((x) => x.user_id === userId);
    return { tokens: r?.monthly_tokens == null ? null : Number(r.monthly_tokens), costMicros: r?.monthly_cost_micros == null ? null : Number(r.monthly_cost_micros) };
  };
  return { organization: of(null), user: of(spender.userId) };
}

/** Adds spend and reservation changes to a subject's month, opening the month's row if needed. */
async function addUsage(db: Executor, s: Subject, p: string, used: Spend, reserved: Spend): Promise<void> {
  await db.query(
    `INSERT INTO llm_usage AS u (organization_id, user_id, period, tokens, cost_micros, reserved_tokens, reserved_cost_micros) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (organization_id, COALESCE(user_id, '${NO_USER}'::uuid), period) DO UPDATE SET tokens = u.tokens + EXCLUDED.tokens,
       cost_micros = u.cost_micros + EXCLUDED.cost_micros, reserved_tokens = u.reserved_tokens + EXCLUDED.reserved_tokens,
       reserved_cost_micros = u.reserved_cost_micros + EXCLUDED.reserved_cost_micros, updated_at = now()`,
    [s.organizationId, s.userId, p, used.tokens, used.costMicros, reserved.tokens, reserved.costMicros],
  );
}

/**
 * Monthly LLM budgets per organization and per user (seed 002 `reset_monthly_budgets`). A call
 * reserves its estimate before it goes to the model — refused with QUOTA_EXCEEDED when either
 * budget would be exceeded — and settles the actual spend afterwards.
 */
export function createBudgets(deps: { db: Db; audit: AuditService; /** How long a call may hold its reservation before the sweep releases it. */ holdMs: number }) {
  const subjects = (p: Spender): Subject[] => [{ organizationId: p.organizationId, userId: null }, { organizationId: p.organizationId, userId: p.userId }];
  const NOTHING: Spend = { tokens: 0, costMicros: 0 };

  /**
   * Throws QUOTA_EXCEEDED when `estimate` on top of what is spent (and reserved) passes a budget.
   * Returns whether any budget applies: without one there is nothing to reserve against.
   */
  async function refuseOver(tx: Executor, spender: Spender, p: string, estimate: Spend, lock: boolean): Promise<boolean> {
    const budgets = await budgetsOf(tx, spender);
    const checks: [Subject, Budget][] = [
      [{ organizationId: spender.organizationId, userId: null }, budgets.organization],
      [{ organizationId: spender.organizationId, userId: spender.userId }, budgets.user],
    ];
    if (!checks.some(([, b]) => limited(b))) return false;
    for (const [s, budget] of checks) {
      // Locking takes both rows, the organization's first (the order settle and the sweep update
      // them in), even when only one has a budget: so no two of them can wait on each other in a cycle.
      if (!lock && !limited(budget)) continue;
      const spent = await usageRow(tx, s, p, lock);
      if (!limited(budget)) continue;
      const over =
        (budget.tokens !== null && spent.tokens + estimate.tokens > budget.tokens) ||
        (budget.costMicros !== null && spent.costMicros + estimate.costMicros > budget.costMicros);
      if (over) {
        throw new AppError('QUOTA_EXCEEDED', `The ${s.userId ? 'user' : 'organization'}'s monthly LLM budget would be exceeded.`, {
          details: {
            budget: s.userId ? 'user' : 'organization', resets_at: nextPeriodStart().toISOString(), spent_tokens: spent.tokens, budget_tokens: budget.tokens,
            spent_cost_micros: spent.costMicros, budget_cost_micros: budget.costMicros,
          },
          retryAfterSeconds: Math.ceil((nextPeriodStart().getTime() - Date.now()) / 1000),
        });
      }
    }
    return true;
  }

  return {
    /** Refuses at once, without reserving, what one call of `estimate` would already overrun. */
    async check(spender: Spender, estimate: Spend): Promise<void> {
      await refuseOver(deps.db, spender, period(), estimate, false);
    },

    /**
     * Reserves `estimate` against both budgets, under their rows' locks so concurrent calls cannot
     * overrun together, and records the reservation with its expiry (see `sweep`). Unbudgeted
     * spenders reserve nothing (and take no lock): settle records the spend.
     */
    async reserve(spender: Spender, estimate: Spend): Promise<Reservation> {
      const p = period();
      return deps.db.transaction(async (tx) => {
        if (!(await refuseOver(tx, spender, p, estimate, true))) return { id: null, period: p, estimate: NOTHING };
        for (const s of subjects(spender)) await addUsage(tx, s, p, NOTHING, estimate);
        const id = randomUUID();
        await tx.query(
          `INSERT INTO llm_reservations (id, organization_id, user_id, period, tokens, cost_micros, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7::double precision / 1000))`,
          [id, spender.organizationId, spender.userId, p, estimate.tokens, estimate.costMicros, deps.holdMs],
        );
        return { id, period: p, estimate };
      });
    },

    /**
     * Replaces the reservation with what was actually spent (also when the call failed: spend 0).
     * A reservation the sweep already released is not released twice; the spend is recorded anyway.
     */
    async settle(subject: Spender, reservation: Reservation, actual: Spend): Promise<void> {
      await deps.db.transaction(async (tx) => {
        const open = reservation.id === null ? [] : (await tx.query('DELETE FROM llm_reservations WHERE id = $1 RETURNING id', [reservation.id])).rows;
        const release = open.length > 0 ? { tokens: -reservation.estimate.tokens, costMicros: -reservation.estimate.costMicros } : NOTHING;
        for (const s of subjects(subject)) await addUsage(tx, s, reservation.period, actual, release);
      });
    },

    /**
     * Releases reservations past their expiry: calls that never settled because their process died.
     * Run every minute by the scheduler; safe on any number of instances at once (each expired row
     * is deleted, and released, by exactly one of them). Returns how many it released.
     */
    async sweep(): Promise<number> {
      return deps.db.transaction(async (tx) => {
        const { rows } = await tx.query<{ organization_id: string; user_id: string; period: string; tokens: string; cost_micros: string }>(
          'DELETE FROM llm_reservations WHERE expires_at < now() RETURNING organization_id, user_id, period, tokens, cost_micros',
        );
        // Summed per usage row and applied in one order (organization row first, as reserve locks
        // them), so two sweeps or a sweep and a reservation never wait on each other in a cycle.
        const releases = new Map<string, { subject: Subject; period: string; spend: Spend }>();
        for (const r of rows) {
          for (const subject of subjects({ organizationId: r.organization_id, userId: r.user_id })) {
            const key = `${subject.organizationId}/${subject.userId ?? ''}/${r.period}`;
            const entry = releases.get(key) ?? { subject, period: r.period, spend: { tokens: 0, costMicros: 0 } };
            entry.spend.tokens -= Number(r.tokens);
            entry.spend.costMicros -= Number(r.cost_micros);
            releases.set(key, entry);
          }
        }
        for (const key of [...releases.keys()].sort()) {
          const { subject, period: p, spend } = releases.get(key) as { subject: Subject; period: string; spend: Spend };
          await addUsage(tx, subject, p, NOTHING, spend);
        }
        const perOrganization = new Map<string, number>();
        for (const r of rows) perOrganization.set(r.organization_id, (perOrganization.get(r.organization_id) ?? 0) + 1);
        for (const [organizationId, released] of perOrganization) {
          await deps.audit.record(tx, { type: 'budget.reservations_released', organizationId, resourceType: 'budget', resourceId: organizationId, details: { released } });
        }
        return rows.length;
      });
    },

    async usage(organizationId: string, p = period()) {
      const { rows } = await deps.db.query<{ user_id: string | null; tokens: number; cost_micros: number }>(
        'SELECT user_id, tokens, cost_micros FROM llm_usage WHERE organization_id = $1 AND period = $2 ORDER BY user_id NULLS FIRST',
        [organizationId, p],
      );
      return rows.map((r) => ({ userId: r.user_id, tokens: Number(r.tokens), costMicros: Number(r.cost_micros) }));
    },

    async setBudget(actor: Principal, userId: string | null, budget: { tokens: number | null; costMicros: number | null }): Promise<void> {
      await deps.db.transaction(async (tx) => {
        if (userId !== null) {
          const { rows } = await tx.query('SELECT 1 FROM users WHERE id = $1 AND organization_id = $2', [userId, actor.organizationId]);
          if (rows.length === 0) throw new AppError('RESOURCE_NOT_FOUND', 'No such user.');
        }
        await tx.query(
          `INSERT INTO llm_budgets (organization_id, user_id, monthly_tokens, monthly_cost_micros) VALUES ($1, $2, $3, $4)
           ON CONFLICT (organization_id, COALESCE(user_id, '${NO_USER}'::uuid))
           DO UPDATE SET monthly_tokens = EXCLUDED.monthly_tokens, monthly_cost_micros = EXCLUDED.monthly_cost_micros, updated_at = now()`,
          [actor.organizationId, userId, budget.tokens, budget.costMicros],
        );
        await deps.audit.record(tx, {
          type: 'budget.changed', organizationId: actor.organizationId, userId: actor.userId, resourceType: userId ? 'user' : 'organization',
          resourceId: userId ?? actor.organizationId, details: { monthly_tokens: budget.tokens, monthly_cost_micros: budget.costMicros },
        });
      });
    },

    /**
     * The monthly reset job: opens the new month's usage rows at zero for every subject with a
     * budget and drops reservations left open by crashed calls in earlier months. Idempotent.
     */
    async resetMonthly(at = new Date()): Promise<number> {
      const p = period(at);
      return deps.db.transaction(async (tx) => {
        const { rowCount } = await tx.query(
          `INSERT INTO llm_usage (organization_id, user_id, period) SELECT organization_id, user_id, $1 FROM llm_budgets
           ON CONFLICT (organization_id, COALESCE(user_id, '${NO_USER}'::uuid), period) DO NOTHING`,
          [p],
        );
        // Reservations before usage rows: the order settle and the sweep take them in.
        await tx.query('DELETE FROM llm_reservations WHERE period < $1', [p]);
        await tx.query('UPDATE llm_usage SET reserved_tokens = 0, reserved_cost_micros = 0 WHERE period < $1 AND (reserved_tokens <> 0 OR reserved_cost_micros <> 0)', [p]);
        await deps.audit.record(tx, { type: 'budget.monthly_reset', resourceType: 'budget', resourceId: p, details: { period: p, opened: rowCount } });
        return rowCount;
      });
    },
  };
}

export type Budgets = ReturnType<typeof createBudgets>;
