import { Type } from '@sinclair/typebox';

export type Outcome = 'success' | 'denied' | 'failure';
export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** An audit event; `type` is `resource.action` (`user.created`, `kill_switch.changed`, …). */
export interface AuditEvent {
  type: string;
  outcome?: Outcome;
  organizationId?: string | null;
  userId?: string | null;
  apiKeyId?: string | null;
  resourceType?: string;
  resourceId?: string;
  details?: Record<string, unknown>;
}

/** A security event (seed 000 `security_events`): auth failures, rate limits, injection attempts. */
export interface SecurityEvent {
  type: string;
  severity: Severity;
  organizationId?: string | null;
  userId?: string | null;
  detail?: Record<string, unknown>;
}

// ---- wire schemas -------------------------------------------------------------------------------

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
/** A day (`2026-01-31`, the whole day) or an instant (`2026-01-31T10:30:00Z`). */
const DateOrTime = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2}))?$', maxLength: 40 });
const Short = Type.String({ minLength: 1, maxLength: 200 });

export const PageParams = {
  page: Type.Integer({ minimum: 1, maximum: 100_000, default: 1 }),
  page_size: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
};

export const TrailQuery = Type.Object(
  {
    start_date: Type.Optional(DateOrTime),
    end_date: Type.Optional(DateOrTime),
    user_id: Type.Optional(Type.String({ format: 'uuid' })),
    event_type: Type.Optional(Short),
    resource_type: Type.Optional(Short),
    resource_id: Type.Optional(Short),
    request_id: Type.Optional(Short),
    ...PageParams,
  },
  { additionalProperties: false },
);

export const SecurityQuery = Type.Object(
  {
    start_date: Type.Optional(DateOrTime),
    end_date: Type.Optional(DateOrTime),
    user_id: Type.Optional(Type.String({ format: 'uuid' })),
    event_type: Type.Optional(Short),
    severity: Type.Optional(Type.Union(['low', 'medium', 'high', 'critical'].map((s) => Type.Literal(s)))),
    request_id: Type.Optional(Short),
    ...PageParams,
  },
  { additionalProperties: false },
);

export const IdParams = (name: string) => Type.Object({ [name]: Type.String({ format: 'uuid' }) });

export const TrailEventView = Type.Object({
  event_id: Type.String(),
  event_type: Type.String(),
  outcome: Type.String(),
  user_id: Nullable(Type.String()),
  user_email: Nullable(Type.String()),
  api_key_id: Nullable(Type.String()),
  resource_type: Nullable(Type.String()),
  resource_id: Nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown()),
  ip_address: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  request_id: Nullable(Type.String()),
  timestamp: Type.String(),
  seq: Nullable(Type.Integer()),
});

const Paged = { total: Type.Integer(), page: Type.Integer(), page_size: Type.Integer() };
export const TrailPage = Type.Object({ events: Type.Array(TrailEventView), ...Paged });

export const SecurityEventView = Type.Object({
  id: Type.String(),
  event_type: Type.String(),
  severity: Type.String(),
  user_id: Nullable(Type.String()),
  ip_address: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  request_path: Nullable(Type.String()),
  request_method: Nullable(Type.String()),
  detail: Type.Record(Type.String(), Type.Unknown()),
  request_id: Nullable(Type.String()),
  timestamp: Type.String(),
  created_at: Type.String(),
  seq: Nullable(Type.Integer()),
});
export const SecurityPage = Type.Object({ security_events: Type.Array(SecurityEventView), ...Paged });

export const ProofView = Nullable(
  Type.Object({
    seq: Type.Integer(),
    leaf: Type.String({ description: 'The event as hashed: canonical JSON (RFC 8785)' }),
    leaf_hash: Type.String(),
    sealed_at: Type.String(),
    inclusion: Nullable(
      Type.Object({ index: Type.Integer(), tree_size: Type.Integer(), proof: Type.Array(Type.String()), checkpoint: Type.String() }),
    ),
  }),
);

export const EventWithProof = Type.Object({ event: TrailEventView, audit: ProofView });

export const EvidenceView = Type.Object({
  evidence_id: Type.String(),
  kind: Type.String(),
  query_id: Nullable(Type.String()),
  approval_id: Nullable(Type.String()),
  timestamp: Type.String(),
  user: Type.Unknown(),
  snapshot: Type.Unknown(),
  validation: Type.Unknown(),
  signature: Type.String({ description: 'SHA256:<hex digest of the canonical pack> (seed 002 shape)' }),
  sha256: Type.String(),
  ed25519_signature: Type.String(),
  key_id: Type.String(),
  verified: Type.Boolean(),
  canonical_json: Type.String(),
  immutable_storage_url: Nullable(Type.String()),
  storage: Type.Object({ backend: Type.String(), key: Type.String(), stored: Type.Boolean(), matches: Nullable(Type.Boolean()) }),
  audit: Type.Object({ event_id: Type.String(), proof: ProofView }),
});

export const CheckpointQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,16}$' })),
    from_size: Type.Optional(Type.Integer({ minimum: 0 })),
    to_size: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export const CheckpointView = Type.Object({
  id: Type.Integer(),
  tree_size: Type.Integer(),
  root_hash: Type.String(),
  key_id: Type.String(),
  note: Type.String(),
  created_at: Type.String(),
});

export const CheckpointList = Type.Object({
  checkpoints: Type.Array(CheckpointView),
  next_cursor: Nullable(Type.String()),
  consistency: Type.Optional(
    Type.Object({ old_size: Type.Integer(), new_size: Type.Integer(), proof: Type.Array(Type.String()), old_checkpoint: Nullable(Type.String()), new_checkpoint: Type.String() }),
  ),
});

export const VerifyQuery = Type.Object({ trusted_checkpoint: Type.Optional(Type.String({ maxLength: 4096 })) }, { additionalProperties: false });

export const ProblemView = Type.Object({ kind: Type.String(), seq: Type.Integer(), message: Type.String() });
export const VerifyView = Type.Object({
  ok: Type.Boolean(),
  tree_size: Type.Integer(),
  first_seq: Type.Integer(),
  checkpoints_verified: Type.Integer(),
  unsealed: Type.Integer(),
  latest_checkpoint: Nullable(Type.String()),
  first_bad_seq: Nullable(Type.Integer()),
  problem: Nullable(ProblemView),
  problems: Type.Array(ProblemView),
  duration_ms: Type.Number(),
});

export const PublicKeyView = Type.Object({
  algorithm: Type.Literal('Ed25519'),
  key_id: Type.String(),
  public_key_pem: Type.String(),
  public_key_base64: Type.String(),
  origin: Type.String(),
});
