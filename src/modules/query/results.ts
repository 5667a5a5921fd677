import { createHash } from 'node:crypto';
import type { Cache } from '../../platform/cache.js';
import type { SecretBox } from '../datasets/index.js';
import type { ResultData } from './types.js';

export interface SealedResult {
  sealed: Buffer;
  expiresAt: Date;
  sha256: string;
}

export interface CachedResult {
  data: ResultData;
  truncated: boolean;
}

const DAY_MS = 86_400_000;

/**
 * Results at rest: sealed with AES-256-GCM under the query id (a sealed result moved to another
 * query's row does not open), kept RESULT_TTL_DAYS. The cache holds masked results sealed too —
 * Redis may persist to disk — under a key naming everything that changes the answer: dataset,
 * policy version, the exact text run with its bound row-filter claims, and the caller's role.
 */
export function createResultStore(deps: { box: SecretBox; cache: Cache; ttlDays: number; cacheEnabled: boolean; cacheTtlSeconds: number }) {
  return {
    seal(queryId: string, data: ResultData, now = Date.now()): SealedResult {
      const json = JSON.stringify(data);
      return {
        sealed: deps.box.seal('query-result', json, queryId),
        expiresAt: new Date(now + deps.ttlDays * DAY_MS),
        sha256: createHash('sha256').update(json).digest('hex'),
      };
    },

    open(queryId: string, sealed: Buffer): ResultData {
      return JSON.parse(deps.box.open('query-result', sealed, queryId).toString('utf8')) as ResultData;
    },

    cacheKey(parts: { datasetId: string; policyVersion: number; sql: string; params: (string | null)[]; role: string }): string {
      const digest = createHash('sha256').update(JSON.stringify([parts.datasetId, parts.policyVersion, parts.role, parts.sql, parts.params])).digest('hex');
      return `query-result:${parts.datasetId}:${digest}`;
    },

    async cached(key: string): Promise<CachedResult | undefined> {
      if (!deps.cacheEnabled) return undefined;
      const text = await deps.cache.get(key);
      if (!text) return undefined;
      try {
        return JSON.parse(deps.box.open('result-cache', Buffer.from(text, 'base64'), key).toString('utf8')) as CachedResult;
      } catch {
        // Unreadable (another key, tampering): a miss, never an error.
        return undefined;
      }
    },

    async remember(key: string, value: CachedResult): Promise<void> {
      if (!deps.cacheEnabled) return;
      await deps.cache.set(key, deps.box.seal('result-cache', JSON.stringify(value), key).toString('base64'), deps.cacheTtlSeconds);
    },
  };
}

export type ResultStore = ReturnType<typeof createResultStore>;
