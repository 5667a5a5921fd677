/**
 * The offline verifier: what an auditor runs holding only the log's public key. It uses node:crypto
 * and this directory's hashing, proof, checkpoint and evidence code, and no npm package, so it can
 * be shipped or reviewed on its own. Inputs are whatever the auditor was handed (JSON files, API
 * answers): nothing here throws on bad input, every answer is a Verdict with a reason.
 */
import { Buffer } from 'node:buffer';
import type { KeyObject } from 'node:crypto';

import { compareTimestamps, verifyCheckpoint } from './checkpoint.js';
import type { Checkpoint } from './checkpoint.js';
import { decodeHashList, fromBase64 } from './encoding.js';
import { verifyEvidence } from './evidence.js';
import type { EvidenceSignature } from './evidence.js';
import { loadPublicKey } from './keys.js';
import { HASH_SIZE, hashLeaf } from './merkle.js';
import { verifyConsistency, verifyInclusion } from './proof-verify.js';
import { PASS, fail } from './result.js';
import type { Result, Verdict } from './result.js';

/** A public key as PEM, base64 (raw 32 bytes or SPKI DER), or an already loaded KeyObject. */
export type PublicKeyInput = string | KeyObject;

export interface InclusionClaim {
  readonly publicKey: PublicKeyInput;
  readonly checkpoint: string;
  /** The event's canonical JSON exactly as logged (the leaf data); or give leafHash instead. */
  readonly eventJson?: string;
  /** Base64 leaf hash, SHA-256(0x00 ‖ event bytes). */
  readonly leafHash?: string;
  readonly index: number;
  /** Base64 proof hashes, bottom-up. */
  readonly proof: readonly string[];
  readonly origin?: string;
}

export interface ConsistencyClaim {
  readonly publicKey: PublicKeyInput;
  /** The checkpoint the auditor already trusted (e.g. saved last time). */
  readonly older: string;
  /** The checkpoint just received. */
  readonly newer: string;
  /** Base64 consistency proof from older.size to newer.size. */
  readonly proof: readonly string[];
  readonly origin?: string;
}

export interface EvidenceClaim {
  readonly publicKey: PublicKeyInput;
  /** The evidence pack's canonical JSON exactly as stored. */
  readonly canonicalJson: string;
  readonly signature: Partial<EvidenceSignature>;
}

/** Is this event at this index in the tree the signed checkpoint commits to? */
export function verifyEventInclusion(claim: InclusionClaim): Verdict {
  return guarded(() => {
    const checkpoint = openCheckpoint(claim.publicKey, claim.checkpoint, claim.origin, 'checkpoint');
    if (!checkpoint.ok) return checkpoint;
    const leafHash = leafHashOf(claim);
    if (!leafHash.ok) return leafHash;
    const proof = decodeHashList(claim.proof, HASH_SIZE);
    if (!proof.ok) return proof;
    const { size, rootHash } = checkpoint.value;
    const verdict = verifyInclusion({ index: claim.index, size, leafHash: leafHash.value, proof: proof.value, root: rootHash });
    return verdict.ok ? PASS : fail(`event is not proven at index ${String(claim.index)} of tree size ${size}: ${verdict.reason}`);
  });
}

/**
 * Is the newer checkpoint an append-only extension of the older one? Names the two attacks it
 * can tell apart: a fork (same size, different root) and a rollback (the newer checkpoint is
 * smaller or dated earlier).
 */
export function verifyCheckpointConsistency(claim: ConsistencyClaim): Verdict {
  return guarded(() => {
    const older = openCheckpoint(claim.publicKey, claim.older, claim.origin, 'older checkpoint');
    if (!older.ok) return older;
    const newer = openCheckpoint(claim.publicKey, claim.newer, claim.origin ?? older.value.origin, 'newer checkpoint');
    if (!newer.ok) return newer;
    const a = older.value;
    const b = newer.value;
    if (compareTimestamps(b.timestamp, a.timestamp) < 0) return fail(`rollback: the newer checkpoint (${b.timestamp}) is dated before the older one (${a.timestamp})`);
    if (b.size < a.size) return fail(`rollback: the newer checkpoint has size ${b.size}, smaller than the older ${a.size}`);
    if (b.size === a.size && !b.rootHash.equals(a.rootHash)) return fail(`fork: two different roots signed for tree size ${a.size}`);
    const proof = decodeHashList(claim.proof, HASH_SIZE);
    if (!proof.ok) return proof;
    const verdict = verifyConsistency({ oldSize: a.size, newSize: b.size, oldRoot: a.rootHash, newRoot: b.rootHash, proof: proof.value });
    return verdict.ok ? PASS : fail(`the log of size ${b.size} is not proven to extend the log of size ${a.size} (fork or rewritten history?): ${verdict.reason}`);
  });
}

/** Is this the evidence pack that was signed? */
export function verifyEvidencePack(claim: EvidenceClaim): Verdict {
  return guarded(() => {
    const key = publicKeyOf(claim.publicKey);
    if (!key.ok) return key;
    if (typeof claim.canonicalJson !== 'string') return fail('canonicalJson must be text');
    if (typeof claim.signature !== 'object' || claim.signature === null) return fail('signature record is missing');
    return verifyEvidence(key.value, Buffer.from(claim.canonicalJson, 'utf8'), claim.signature);
  });
}

function openCheckpoint(publicKey: PublicKeyInput, note: string, origin: string | undefined, what: string): Result<Checkpoint> {
  const key = publicKeyOf(publicKey);
  if (!key.ok) return key;
  const checkpoint = verifyCheckpoint(note, key.value, origin);
  return checkpoint.ok ? checkpoint : fail(`${what}: ${checkpoint.reason}`);
}

function publicKeyOf(input: PublicKeyInput): Result<KeyObject> {
  if (typeof input === 'string') return loadPublicKey(input);
  if (typeof input === 'object' && input !== null && input.type === 'public') return { ok: true, value: input };
  return fail('public key must be PEM, base64, or a public KeyObject');
}

function leafHashOf(claim: InclusionClaim): Result<Buffer> {
  const { eventJson, leafHash } = claim;
  if ((eventJson === undefined) === (leafHash === undefined)) return fail('give exactly one of eventJson and leafHash');
  if (eventJson !== undefined) {
    return typeof eventJson === 'string' ? { ok: true, value: hashLeaf(Buffer.from(eventJson, 'utf8')) } : fail('eventJson must be text');
  }
  const decoded = fromBase64(leafHash, HASH_SIZE);
  return decoded.ok ? decoded : fail(`leafHash: ${decoded.reason}`);
}

/** Last line of defence for the no-throw promise: a bug or an exotic input becomes a reason. */
function guarded(check: () => Verdict): Verdict {
  try {
    return check();
  } catch (error) {
    return fail(`verification could not run: ${error instanceof Error ? error.message : String(error)}`);
  }
}
