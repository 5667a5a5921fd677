import { createAuditService } from './service.js';

export type { AuditService } from './service.js';
export type { AuditEvent, SecurityEvent, Outcome, Severity } from './schemas.js';

export function createAuditModule() {
  return { service: createAuditService() };
}
