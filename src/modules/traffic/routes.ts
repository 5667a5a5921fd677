import { Type } from '@sinclair/typebox';
import type { App } from '../../http/server.js';
import { AppError } from '../../platform/errors.js';
import { principalOf } from '../identity/index.js';
import type { Budgets } from './budgets.js';
import { period } from './budgets.js';
import type { OverrideCache } from './overrides.js';
import { limitsFor } from './policies.js';
import type { Broadcast } from '../../platform/broadcast.js';
import type { Db } from '../../platform/db/index.js';
import type { AuditService } from '../audit/index.js';
import { apiKeyOrganization, upsertOverride } from './repo.js';
import type { TrafficService } from './service.js';

const config = { auth: 'user', permission: 'admin.operate', killSwitchExempt: true } as const;
const tags = ['admin'];
// Null first: with type coercion on, ajv would turn null into 0 when trying the integer branch.
const Positive = Type.Union([Type.Null(), Type.Integer({ minimum: 1, maximum: 100_000_000 })]);
const LimitsBody = Type.Object(
  { per_minute: Type.Optional(Positive), per_hour: Type.Optional(Positive), quota_day: Type.Optional(Positive), quota_month: Type.Optional(Positive) },
  { additionalProperties: false, minProperties: 1 },
);
const LimitsView = Type.Object({ per_minute: Type.Integer(), per_hour: Type.Integer(), quota_day: Type.Integer(), quota_month: Type.Integer() });
const BudgetBody = Type.Object(
  {
    user_id: Type.Optional(Type.String({ format: 'uuid' })),
    monthly_tokens: Type.Union([Type.Null(), Type.Integer({ minimum: 0 })]),
    monthly_cost_micros: Type.Union([Type.Null(), Type.Integer({ minimum: 0 })]),
  },
  { additionalProperties: false },
);

export interface TrafficRouteDeps {
  db: Db;
  audit: AuditService;
  broadcast: Broadcast;
  overrides: OverrideCache;
  budgets: Budgets;
  service: TrafficService;
}

const view = (l: ReturnType<typeof limitsFor>) => ({ per_minute: l.perMinute, per_hour: l.perHour, quota_day: l.quotaDay, quota_month: l.quotaMonth });

export function trafficRoutes(app: App, deps: TrafficRouteDeps) {
  async function saveOverride(actor: ReturnType<typeof principalOf>, scope: 'organization' | 'api_key', subjectId: string, body: Record<string, number | null | undefined>) {
    const current = (scope === 'organization' ? deps.overrides.organization(subjectId) : deps.overrides.apiKey(subjectId)) ?? { perMinute: null, perHour: null, quotaDay: null, quotaMonth: null };
    const next = {
      perMinute: body.per_minute === undefined ? current.perMinute : body.per_minute,
      perHour: body.per_hour === undefined ? current.perHour : body.per_hour,
      quotaDay: body.quota_day === undefined ? current.quotaDay : body.quota_day,
      quotaMonth: body.quota_month === undefined ? current.quotaMonth : body.quota_month,
    };
    await deps.db.transaction(async (tx) => {
      await upsertOverride(tx, scope, subjectId, actor.organizationId, next);
      await deps.audit.record(tx, { type: 'limits.changed', organizationId: actor.organizationId, userId: actor.userId, resourceType: scope, resourceId: subjectId, details: { ...body } });
    });
    await deps.overrides.reload();
    await deps.broadcast.publish({ type: 'limits_changed' });
    return next;
  }

  app.get(
    '/v1/admin/usage',
    { config, schema: { tags, summary: 'Limits, quotas and LLM usage of the organization', response: { 200: Type.Object({ tier: Type.String(), limits: LimitsView, limiter: Type.String(), llm: Type.Object({ period: Type.String(), usage: Type.Array(Type.Object({ user_id: Type.Union([Type.String(), Type.Null()]), tokens: Type.Integer(), cost_micros: Type.Integer() })) }) }) } } },
    async (request) => {
      const p = principalOf(request);
      const usage = await deps.budgets.usage(p.organizationId);
      return {
        tier: p.organizationTier,
        limits: view(limitsFor(p.organizationTier, deps.overrides.organization(p.organizationId))),
        limiter: deps.service.limiterState(),
        llm: { period: period(), usage: usage.map((u) => ({ user_id: u.userId, tokens: u.tokens, cost_micros: u.costMicros })) },
      };
    },
  );

  app.patch('/v1/admin/limits', { config, schema: { tags, summary: 'Override the organization\'s rate limits and quotas (null restores the tier default)', body: LimitsBody, response: { 200: LimitsView } } }, async (request) => {
    const p = principalOf(request);
    const saved = await saveOverride(p, 'organization', p.organizationId, request.body);
    return view(limitsFor(p.organizationTier, saved));
  });

  app.patch(
    '/v1/admin/api-keys/:key_id/limits',
    { config, schema: { tags, summary: "Override one API key's own rate limits", params: Type.Object({ key_id: Type.String({ format: 'uuid' }) }), body: LimitsBody, response: { 200: LimitsView } } },
    async (request) => {
      const p = principalOf(request);
      if ((await apiKeyOrganization(deps.db, request.params.key_id)) !== p.organizationId) throw new AppError('RESOURCE_NOT_FOUND', 'No such API key.');
      const saved = await saveOverride(p, 'api_key', request.params.key_id, request.body);
      return view(limitsFor(p.organizationTier, saved));
    },
  );

  app.put('/v1/admin/budgets', { config, schema: { tags, summary: 'Set the monthly LLM budget of the organization or of one user', body: BudgetBody } }, async (request, reply) => {
    const p = principalOf(request);
    const b = request.body;
    await deps.budgets.setBudget(p, b.user_id ?? null, { tokens: b.monthly_tokens, costMicros: b.monthly_cost_micros });
    return reply.status(204).send();
  });
}
