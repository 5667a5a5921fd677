// The leaf format: what is hashed for each event, and the direct RFC 8785 writer checked against
// the general canonicaliser on random rows.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/modules/audit/canonical.js';
import { leafHashOf, leafJson } from '../../src/modules/audit/leaf.js';
import { hashLeaf } from '../../src/modules/audit/merkle.js';

const AUDIT_FIELDS = ['id', 'organization_id', 'event_type', 'outcome', 'user_id', 'api_key_id', 'resource_type', 'resource_id', 'details', 'ip_address', 'user_agent', 'request_id', 'created_at'];

describe('audit leaves', () => {
  it('are the canonical JSON of the row\'s text fields with stream and seq, hashed the RFC 6962 way', () => {
    const doc = JSON.stringify({ id: 'e1', organization_id: null, event_type: 'auth.login', outcome: 'success', user_id: 'u1', api_key_id: null, resource_type: 'session', resource_id: 's1', details: '{"via": "cli"}', ip_address: '10.0.0.1', user_agent: 'curl/8', request_id: 'r1', created_at: '2026-01-31T10:30:00.123456Z' });
    const json = leafJson('audit', 41, doc);
    expect(json).toBe(
      '{"api_key_id":null,"created_at":"2026-01-31T10:30:00.123456Z","details":"{\\"via\\": \\"cli\\"}","event_type":"auth.login","id":"e1","ip_address":"10.0.0.1",' +
        '"organization_id":null,"outcome":"success","request_id":"r1","resource_id":"s1","resource_type":"session","seq":41,"stream":"audit","user_agent":"curl/8","user_id":"u1"}',
    );
    expect(leafHashOf('audit', 41, doc)).toEqual(hashLeaf(Buffer.from(json, 'utf8')));
    expect(leafHashOf('audit', 42, doc)).not.toEqual(leafHashOf('audit', 41, doc));
  });

  it('match the general RFC 8785 canonicaliser for any text the database can hold', () => {
    const text = fc.oneof(fc.constant(null), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }));
    fc.assert(
      fc.property(fc.constant('audit' as const), fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.array(text, { minLength: 13, maxLength: 13 }), (stream, seq, values) => {
        const fields = Object.fromEntries(AUDIT_FIELDS.map((k, i) => [k, values[i] as string | null]));
        const expected = canonicalJson({ ...fields, stream, seq });
        if (!expected.ok) return; // a lone surrogate: PostgreSQL text cannot hold one
        expect(leafJson(stream, seq, JSON.stringify(fields))).toBe(expected.value);
      }),
      { numRuns: 300 },
    );
  });

  it('refuse a sequence number that is not a safe non-negative integer', () => {
    expect(() => leafJson('audit', -1, '{}')).toThrow(RangeError);
    expect(() => leafJson('audit', 2 ** 53, '{}')).toThrow(RangeError);
  });
});
