import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What is known about the request being served, available to every log line, service and audit
 * row without threading it through each call. Set once per request by the HTTP layer (and by the
 * worker per job); services read it, never write it.
 */
export interface RequestContext {
  requestId: string;
  ip?: string;
  userAgent?: string;
  method?: string;
  path?: string;
  /** Who is calling, once authenticated (audit rows and logs use it). */
  principal?: { userId: string; organizationId: string; apiKeyId: string | null; role: string };
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
