import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { RedisManager } from './redis.js';

export type BroadcastMessage =
  | { type: 'token_revoked'; jti: string; expMs: number }
  | { type: 'user_tokens_cut'; userId: string; cutoffMs: number }
  | { type: 'api_key_revoked'; keyId: string }
  | { type: 'log_level'; level: string }
  | { type: 'dataset_changed'; datasetId: string }
  | { type: 'query_cancel'; queryId: string }
  | { type: 'limits_changed' };

/**
 * Tells every instance about a revocation at once. With Redis: pub/sub on one channel (a message
 * reaches all subscribers within milliseconds). Without Redis: in-process only, which is enough
 * because the embedded store has a single owning process. Publishers also deliver locally, so
 * the instance that made the change never waits for the round trip.
 */
export interface Broadcast {
  publish(message: BroadcastMessage): Promise<void>;
  subscribe(listener: (message: BroadcastMessage) => void): void;
  close(): Promise<void>;
}

export function createLocalBroadcast(): Broadcast {
  const emitter = new EventEmitter();
  return {
    async publish(message) {
      emitter.emit('message', message);
    },
    subscribe(listener) {
      emitter.on('message', listener);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

export function createRedisBroadcast(redis: RedisManager, logger: Logger): Broadcast {
  const channel = `${redis.keyPrefix}broadcast`;
  const local = new EventEmitter();
  const subscriber = redis.client.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined });
  const instanceId = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  subscriber.on('error', (err: Error) => logger.debug({ err_message: err.message }, 'broadcast.subscriber_error'));
  void subscriber.subscribe(channel).catch((err: Error) => logger.warn({ err_message: err.message }, 'broadcast.subscribe_failed'));
  subscriber.on('message', (_channel: string, text: string) => {
    try {
      const { from, message } = JSON.parse(text) as { from: string; message: BroadcastMessage };
      if (from !== instanceId) local.emit('message', message);
    } catch {
      logger.warn('broadcast.bad_message');
    }
  });
  return {
    async publish(message) {
      local.emit('message', message);
      try {
        await redis.client.publish(channel, JSON.stringify({ from: instanceId, message }));
      } catch (err) {
        // The change is committed in the database; other instances also reload it on start.
        logger.warn({ err_message: (err as Error).message, type: message.type }, 'broadcast.publish_failed');
      }
    },
    subscribe(listener) {
      local.on('message', listener);
    },
    async close() {
      local.removeAllListeners();
      subscriber.disconnect();
    },
  };
}
