// The offline verifier, as an auditor uses it: a public key, checkpoints, events and proofs as
// text, and a reason for every refusal.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/modules/audit/canonical.js';
import { signCheckpoint } from '../../src/modules/audit/checkpoint.js';
import { signEvidence } from '../../src/modules/audit/evidence.js';
import { exportPublicKey, generateSigningKey } from '../../src/modules/audit/keys.js';
import type { SigningKey } from '../../src/modules/audit/keys.js';
import { createAppender, hashLeaf } from '../../src/modules/audit/merkle.js';
import { consistencyProofFromHashes, inclusionProofFromHashes } from '../../src/modules/audit/proofs.js';
import { verifyCheckpointConsistency, verifyEventInclusion, verifyEvidencePack } from '../../src/modules/audit/verifier.js';

const ORIGIN = 'aureus.audit/acme';
const key = generateSigningKey();
const publicKey = exportPublicKey(key.publicKey).pem;
const b64 = (items: readonly Buffer[]): string[] => items.map((b) => b.toString('base64'));

function eventJson(seq: number, actor = 'alice'): string {
  const json = canonicalJson({ seq, type: 'query.executed', actor, details: { rows: seq * 3 } });
  if (!json.ok) throw new Error(json.reason);
  return json.value;
}

function log(events: readonly string[]) {
  const leaves = events.map((e) => hashLeaf(Buffer.from(e, 'utf8')));
  return {
    leaves,
    checkpoint(size: number, timestamp: string, signer: SigningKey = key, origin = ORIGIN): string {
      const rootHash = createAppender().append(leaves.slice(0, size));
      return signCheckpoint(signer, { origin, size, rootHash, timestamp });
    },
  };
}

const events = Array.from({ length: 50 }, (_, i) => eventJson(i));
const honest = log(events);
const at20 = honest.checkpoint(20, '2025-01-31T12:00:00Z');
const at50 = honest.checkpoint(50, '2025-01-31T12:00:05Z');
// The same history with event 7 quietly edited after checkpoint 20 was published.
const edited = log(events.map((e, i) => (i === 7 ? eventJson(7, 'mallory') : e)));

describe('verifyEventInclusion', () => {
  const claim = {
    publicKey,
    checkpoint: at50,
    eventJson: events[17] as string,
    index: 17,
    proof: b64(inclusionProofFromHashes(honest.leaves, 17, 50)),
    origin: ORIGIN,
  };

  it('accepts an event at its index, given as JSON or as a leaf hash, with a PEM, raw or loaded key', () => {
    expect(verifyEventInclusion(claim)).toEqual({ ok: true });
    const { eventJson: _json, ...withoutJson } = claim;
    expect(verifyEventInclusion({ ...withoutJson, leafHash: (honest.leaves[17] as Buffer).toString('base64') })).toEqual({ ok: true });
    expect(verifyEventInclusion({ ...claim, publicKey: exportPublicKey(key.publicKey).raw })).toEqual({ ok: true });
    expect(verifyEventInclusion({ ...claim, publicKey: key.publicKey })).toEqual({ ok: true });
  });

  it.each([
    ['an edited event', { eventJson: (events[17] as string).replace('alice', 'alicf') }, /^event is not proven at index 17 of tree size 50: inclusion proof does not lead to the root$/],
    ['another index', { index: 18 }, /^event is not proven at index 18/],
    ['an index past the checkpoint', { index: 50 }, /leaf index 50 is outside a tree of size 50$/],
    ['an index that is not a number', { index: '17' as unknown as number }, /index and size must be non-negative safe integers$/],
    ['a proof from the edited log', { proof: b64(inclusionProofFromHashes(edited.leaves, 17, 50)) }, /inclusion proof does not lead to the root$/],
    ['a checkpoint signed by another key', { checkpoint: honest.checkpoint(50, '2025-01-31T12:00:05Z', generateSigningKey()) }, /^checkpoint: checkpoint is signed by key/],
    ['a checkpoint of another origin', { checkpoint: honest.checkpoint(50, '2025-01-31T12:00:05Z', key, 'aureus.audit/other') }, /^checkpoint: checkpoint is for origin "aureus.audit\/other"/],
    ['a garbage public key', { publicKey: 'hello' }, /^public key: neither PEM nor base64$/],
    ['a proof element in hex', { proof: [(honest.leaves[0] as Buffer).toString('hex')] }, /^proof\[0\]: expected 32 bytes, got 48$/],
    ['a proof that is not a list', { proof: 'abc' as unknown as string[] }, /^proof must be an array of base64 strings$/],
    ['both eventJson and leafHash', { leafHash: (honest.leaves[17] as Buffer).toString('base64') }, /^give exactly one of eventJson and leafHash$/],
    ['neither eventJson nor leafHash', { eventJson: undefined }, /^give exactly one of eventJson and leafHash$/],
    ['a short leaf hash', { eventJson: undefined, leafHash: 'AAAA' }, /^leafHash: expected 32 bytes, got 3$/],
  ])('refuses %s', (_name, change, reason) => {
    const verdict = verifyEventInclusion({ ...claim, ...change });
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reason).toMatch(reason);
  });
});

describe('verifyCheckpointConsistency', () => {
  const claim = { publicKey, older: at20, newer: at50, proof: b64(consistencyProofFromHashes(honest.leaves, 20, 50)), origin: ORIGIN };

  it('accepts an append-only extension, and a checkpoint compared with itself', () => {
    expect(verifyCheckpointConsistency(claim)).toEqual({ ok: true });
    expect(verifyCheckpointConsistency({ ...claim, older: at50, proof: [] })).toEqual({ ok: true });
    expect(verifyCheckpointConsistency({ ...claim, newer: honest.checkpoint(50, '2025-01-31T12:00:09Z'), older: at50, proof: [] })).toEqual({ ok: true });
  });

  it.each([
    ['a fork: another root for the same size', { older: at50, newer: edited.checkpoint(50, '2025-01-31T12:00:06Z'), proof: [] }, /^fork: two different roots signed for tree size 50$/],
    ['a rewritten history (event 7 edited)', { newer: edited.checkpoint(50, '2025-01-31T12:00:05Z'), proof: b64(consistencyProofFromHashes(edited.leaves, 20, 50)) }, /^the log of size 50 is not proven to extend the log of size 20 \(fork or rewritten history\?\): consistency proof does not lead to the old root$/],
    ['a rollback to a smaller tree', { older: at50, newer: honest.checkpoint(20, '2025-01-31T12:00:10Z') }, /^rollback: the newer checkpoint has size 20, smaller than the older 50$/],
    ['a rollback to an older checkpoint', { older: at50, newer: at20 }, /^rollback: the newer checkpoint \(2025-01-31T12:00:00Z\) is dated before the older one \(2025-01-31T12:00:05Z\)$/],
    ['a proof for other sizes', { proof: b64(consistencyProofFromHashes(honest.leaves, 21, 50)) }, /^the log of size 50 is not proven to extend/],
    ['a tampered proof', { proof: [Buffer.alloc(32).toString('base64'), ...claim.proof.slice(1)] }, /^the log of size 50 is not proven to extend/],
    ['checkpoints of two origins', { origin: undefined, newer: honest.checkpoint(50, '2025-01-31T12:00:05Z', key, 'aureus.audit/other') }, /^newer checkpoint: checkpoint is for origin "aureus.audit\/other", expected "aureus.audit\/acme"$/],
    ['an older checkpoint by another key', { older: honest.checkpoint(20, '2025-01-31T12:00:00Z', generateSigningKey()) }, /^older checkpoint: checkpoint is signed by key/],
    ['a malformed newer checkpoint', { newer: at50.replace('\n50\n', '\nfifty\n') }, /^newer checkpoint: tree size must be a decimal integer/],
  ])('detects %s', (_name, change, reason) => {
    const verdict = verifyCheckpointConsistency({ ...claim, ...change });
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reason).toMatch(reason);
  });
});

describe('verifyEvidencePack', () => {
  const pack = canonicalJson({ query_id: 'q-1', decision: 'approved', rows: 12 });
  const canonical = pack.ok ? pack.value : '';
  const signature = signEvidence(key, Buffer.from(canonical, 'utf8'));

  it('accepts the signed pack and refuses an edited one', () => {
    expect(verifyEvidencePack({ publicKey, canonicalJson: canonical, signature })).toEqual({ ok: true });
    expect(verifyEvidencePack({ publicKey, canonicalJson: canonical.replace('12', '13'), signature })).toEqual({
      ok: false,
      reason: 'evidence bytes do not match the recorded SHA-256',
    });
    expect(verifyEvidencePack({ publicKey, canonicalJson: canonical, signature: null as unknown as object })).toEqual({ ok: false, reason: 'signature record is missing' });
  });
});

describe('no input makes the verifier throw', () => {
  it('answers every shape of claim with a verdict', () => {
    const anyClaim = fc.record({
      publicKey: fc.oneof(fc.constant(publicKey), fc.anything()),
      checkpoint: fc.oneof(fc.constant(at50), fc.string(), fc.anything()),
      older: fc.oneof(fc.constant(at20), fc.anything()),
      newer: fc.oneof(fc.constant(at50), fc.anything()),
      eventJson: fc.anything(),
      leafHash: fc.anything(),
      index: fc.anything(),
      proof: fc.oneof(fc.constant(b64(inclusionProofFromHashes(honest.leaves, 17, 50))), fc.anything()),
      canonicalJson: fc.anything(),
      signature: fc.anything(),
    });
    fc.assert(
      fc.property(anyClaim, (claim) => {
        const loose = claim as never;
        for (const verdict of [verifyEventInclusion(loose), verifyCheckpointConsistency(loose), verifyEvidencePack(loose)]) {
          expect(typeof verdict.ok).toBe('boolean');
          if (!verdict.ok) expect(typeof verdict.reason).toBe('string');
        }
      }),
      { numRuns: 300 },
    );
  });
});
