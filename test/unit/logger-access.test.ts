// The access line rendered directly must be the line pino writes for the same fields, whatever the
// strings hold, and must follow the runtime log level.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AccessFields, createLogging } from '../../src/platform/logger.js';

function capture() {
  const lines: string[] = [];
  const logging = createLogging({ level: 'info', format: 'json', environment: 'test', destination: { write: (line: string) => void lines.push(line) } });
  return { logging, lines };
}

/** Both renderings of one line, times removed (two calls can straddle a millisecond). */
function both(level: 'info' | 'warn', fields: AccessFields, msg: string): [string, string] {
  const { logging, lines } = capture();
  logging.root[level](fields, msg);
  logging.access(level, fields, msg);
  const untimed = (line: string | undefined) => (line ?? '').replace(/,"time":"[^"]*"/, '');
  return [untimed(lines[0]), untimed(lines[1])];
}

describe('access lines', () => {
  it('are byte for byte what pino writes, for any strings and numbers', () => {
    fc.assert(
      fc.property(
        fc.record({ request_id: fc.string(), method: fc.string(), route: fc.string(), status: fc.integer({ min: 100, max: 599 }), duration_ms: fc.double({ min: 0, max: 1e6, noNaN: true }) }),
        fc.constantFrom<'info' | 'warn'>('info', 'warn'),
        fc.constantFrom('http.request', 'http.slow_request'),
        (fields, level, msg) => {
          const [fromPino, direct] = both(level, fields, msg);
          expect(direct).toBe(fromPino);
          expect(JSON.parse(direct)).toMatchObject({ level, service: 'aureus', ...fields, msg });
        },
      ),
    );
  });

  it('carry a time and end with a newline, as pino lines do', () => {
    const { logging, lines } = capture();
    logging.access('info', { request_id: 'r-1', method: 'GET', route: '/health/live', status: 200, duration_ms: 0.4 }, 'http.request');
    expect(lines[0]).toMatch(/^\{"level":"info","time":"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z","service":"aureus","request_id":"r-1",.*\}\n$/);
  });

  it('follow the level set at runtime', () => {
    const { logging, lines } = capture();
    logging.setLevel('warn');
    logging.access('info', { request_id: 'r-2', method: 'GET', route: '/x', status: 200, duration_ms: 1 }, 'http.request');
    logging.access('warn', { request_id: 'r-3', method: 'GET', route: '/x', status: 200, duration_ms: 9_000 }, 'http.slow_request');
    expect(lines.map((l) => JSON.parse(l).request_id)).toEqual(['r-3']);
  });
});
