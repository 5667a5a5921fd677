import { Type, type Static } from '@sinclair/typebox';

export const Status = Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('unhealthy')]);
export type Status = Static<typeof Status>;

export const Component = Type.Object({
  name: Type.String(),
  status: Status,
  latency_ms: Type.Number(),
  message: Type.String(),
  /** False when the dependency is not set up at all (an embedded default stands in). */
  configured: Type.Boolean(),
});
export type Component = Static<typeof Component>;

export const BreakerStats = Type.Object({
  name: Type.String(),
  state: Type.Union([Type.Literal('closed'), Type.Literal('open'), Type.Literal('half_open')]),
  failures: Type.Integer(),
  successes: Type.Integer(),
  rejections: Type.Integer(),
  opened_at: Type.Union([Type.String(), Type.Null()]),
});

/** seed 000 "HealthResponse", plus breaker details. */
export const HealthReport = Type.Object({
  status: Status,
  service: Type.String(),
  version: Type.String(),
  environment: Type.String(),
  uptime_seconds: Type.Number(),
  components: Type.Array(Component),
  breakers: Type.Array(BreakerStats),
});
export type HealthReport = Static<typeof HealthReport>;

export const Live = Type.Object({ status: Type.Literal('alive'), uptime_seconds: Type.Number() });
export const Ready = Type.Object({ status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]), reason: Type.Optional(Type.String()) });

export const DatabaseHealth = Type.Intersect([
  Component,
  Type.Object({
    kind: Type.String(),
    connection_pool: Type.Object({ size: Type.Integer(), total: Type.Integer(), idle: Type.Integer(), waiting: Type.Integer() }),
  }),
]);
export const RedisHealth = Type.Intersect([
  Component,
  Type.Object({ memory_used_mb: Type.Optional(Type.Number()), connected_clients: Type.Optional(Type.Integer()) }),
]);
