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
