// Ed25519 keys, signed checkpoints and evidence signatures.
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkpointBody, compareTimestamps, signCheckpoint, verifyCheckpoint } from '../../src/modules/audit/checkpoint.js';
import type { Checkpoint } from '../../src/modules/audit/checkpoint.js';
import { evidenceMessage, signEvidence, verifyEvidence } from '../../src/modules/audit/evidence.js';
import {
  exportPublicKey,
  exportSigningKey,
  generateSigningKey,
  keyIdOf,
  loadPublicKey,
  loadSigningKey,
} from '../../src/modules/audit/keys.js';
import type { SigningKey } from '../../src/modules/audit/keys.js';
import { emptyRoot, hashLeaf } from '../../src/modules/audit/merkle.js';

// RFC 8032 §7.1, TEST 1.
const RFC8032 = {
  seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  emptyMessageSignature:
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
};

function loaded(text: string): SigningKey {
  const key = loadSigningKey(text);
  if (!key.ok) throw new Error(key.reason);
  return key.value;
}

const rfcKey = loaded(Buffer.from(RFC8032.seed, 'hex').toString('base64'));
const checkpoint: Checkpoint = {
  origin: 'aureus.audit/acme',
  size: 1024,
  rootHash: hashLeaf(Buffer.from('root')),
  timestamp: '2025-01-31T12:00:00.123Z',
};

describe('keys', () => {
  it('loads the RFC 8032 test key from its seed and signs as the RFC says', () => {
    expect(Buffer.from(exportPublicKey(rfcKey.publicKey).raw, 'base64').toString('hex')).toBe(RFC8032.publicKey);
    expect(sign(null, Buffer.alloc(0), rfcKey.privateKey).toString('hex')).toBe(RFC8032.emptyMessageSignature);
  });

  it('names a key by the first 4 bytes of SHA-256 of its raw public key', () => {
    const expected = createHash('sha256').update(Buffer.from(RFC8032.publicKey, 'hex')).digest('hex').slice(0, 8);
    expect(rfcKey.keyId).toBe(expected);
    expect(keyIdOf(rfcKey.publicKey)).toBe(expected);
    expect(exportPublicKey(rfcKey.publicKey).keyId).toBe(expected);
  });

  const pem = exportSigningKey(rfcKey);
  it.each([
    ['PKCS#8 PEM', pem],
    ['PEM with literal \\n (an environment variable)', pem.trim().replaceAll('\n', '\\n')],
    ['base64 of the PKCS#8 DER', rfcKey.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64')],
    ['base64 of the 32-byte seed, with surrounding space', ` ${Buffer.from(RFC8032.seed, 'hex').toString('base64')}\n`],
  ])('loads a signing key given as %s', (_form, text) => {
    expect(loaded(text).keyId).toBe(rfcKey.keyId);
  });

  const exported = exportPublicKey(rfcKey.publicKey);
  it.each([
    ['SPKI PEM', exported.pem],
    ['base64 of the raw key', exported.raw],
    ['base64 of the SPKI DER', rfcKey.publicKey.export({ format: 'der', type: 'spki' }).toString('base64')],
  ])('loads a public key given as %s', (_form, text) => {
    const key = loadPublicKey(text);
    expect(key.ok && keyIdOf(key.value)).toBe(rfcKey.keyId);
  });

  const ecPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  it.each([
    ['empty', '', 'signing key: empty'],
    ['not base64', 'not a key!', 'signing key: neither PEM nor base64'],
    ['31 random bytes', Buffer.alloc(31, 1).toString('base64'), 'signing key: not a readable key'],
    ['a public key PEM', exported.pem, 'signing key: expected a PEM "PRIVATE KEY" block'],
    ['a P-256 key', ecPem, 'signing key: an Ed25519 key is required, got ec'],
    ['a damaged PEM', pem.replace(/\n[A-Za-z0-9+/]{8}/, '\n!!!!!!!!'), 'signing key: not a readable key'],
  ])('refuses a signing key that is %s', (_name, text, reason) => {
    expect(loadSigningKey(text)).toEqual({ ok: false, reason });
  });

  it.each([
    ['a private key PEM', pem, 'public key: expected a PEM "PUBLIC KEY" block'],
    ['33 bytes', Buffer.alloc(33, 1).toString('base64'), 'public key: not a readable key'],
    ['unpadded base64', exported.raw.replace(/=+$/, ''), 'public key: neither PEM nor base64'],
  ])('refuses a public key that is %s', (_name, text, reason) => {
    expect(loadPublicKey(text)).toEqual({ ok: false, reason });
  });

  it('generates fresh keys that load back from their PEM', () => {
    const key = generateSigningKey();
    expect(key.keyId).toMatch(/^[0-9a-f]{8}$/);
    expect(loaded(exportSigningKey(key)).keyId).toBe(key.keyId);
  });
});

describe('checkpoints', () => {
  const note = signCheckpoint(rfcKey, checkpoint);

  it('has the documented layout', () => {
    const lines = note.split('\n');
    expect(lines.slice(0, 6)).toEqual(['aureus.audit/acme', '1024', checkpoint.rootHash.toString('base64'), '2025-01-31T12:00:00.123Z', '', lines[5]]);
    expect(lines).toHaveLength(7);
    expect(lines[6]).toBe('');
    const [dash, name, blob] = (lines[5] as string).split(' ');
    expect([dash, name]).toEqual(['\u2014', 'aureus.audit/acme']);
    const bytes = Buffer.from(blob as string, 'base64');
    expect(bytes).toHaveLength(68);
    expect(bytes.subarray(0, 4).toString('hex')).toBe(rfcKey.keyId);
    expect(sign(null, Buffer.from(checkpointBody(checkpoint)), rfcKey.privateKey).equals(bytes.subarray(4))).toBe(true);
  });

  it('is stable for a fixed key (Ed25519 is deterministic)', () => {
    expect(note).toBe(signCheckpoint(rfcKey, checkpoint));
    // Pinned so any change to the format shows up here (and in docs/audit.md, which quotes it).
    expect(note).toBe(
      'aureus.audit/acme\n1024\nPAb5plclr2BSYfY2ZyyWINQJcx2JpFHXRV/pxK4WeCk=\n2025-01-31T12:00:00.123Z\n\n' +
        '\u2014 aureus.audit/acme If4x34wbT5J3lcgEL21P0/4kI/Vni3e60siWt2ovrUZF3Oim/4LPZVgf+2eqLnbR2qE/vT4JyJl5COMowqbtl918RwY=\n',
    );
  });

  it('verifies with the public key alone', () => {
    const key = loadPublicKey(exportPublicKey(rfcKey.publicKey).raw);
    expect(key.ok && verifyCheckpoint(note, key.value, 'aureus.audit/acme')).toEqual({ ok: true, value: checkpoint });
  });

  it('accepts the empty tree and timestamps with 0–9 fraction digits', () => {
    for (const timestamp of ['2025-01-31T12:00:00Z', '2024-02-29T23:59:59.5Z', '2025-01-31T12:00:00.123456789Z']) {
      const empty = { ...checkpoint, size: 0, rootHash: emptyRoot(), timestamp };
      expect(verifyCheckpoint(signCheckpoint(rfcKey, empty), rfcKey.publicKey)).toEqual({ ok: true, value: empty });
    }
  });

  const other = generateSigningKey();
  const resigned = (body: string): string => {
    // Re-sign an edited body with the right key, to test parsing rather than the signature.
    const signature = Buffer.concat([Buffer.from(rfcKey.keyId, 'hex'), sign(null, Buffer.from(body), rfcKey.privateKey)]);
    return `${body}\n\u2014 ${body.split('\n')[0]} ${signature.toString('base64')}\n`;
  };
  const body = checkpointBody(checkpoint);
  const [, sizeLine, rootLine, timeLine] = body.split('\n') as [string, string, string, string];
  const signatureLine = note.split('\n')[5] as string;

  it.each([
    ['a different key', signCheckpoint(other, checkpoint), `checkpoint is signed by key ${other.keyId}, not by key ${rfcKey.keyId}`],
    ['an altered size', note.replace('\n1024\n', '\n1025\n'), 'checkpoint signature does not verify'],
    ['an altered root', note.replace(rootLine, hashLeaf(Buffer.from('other')).toString('base64')), 'checkpoint signature does not verify'],
    ['an altered time', note.replace(timeLine, '2025-01-31T12:00:01.123Z'), 'checkpoint signature does not verify'],
    ['an altered signature', note.replace(/.(=*\n)$/, (m, tail: string) => (m[0] === 'A' ? 'B' : 'A') + tail), 'checkpoint signature does not verify'],
    ['another origin', note.replaceAll('aureus.audit/acme', 'aureus.audit/evil'), 'checkpoint is for origin "aureus.audit/evil", expected "aureus.audit/acme"'],
    ['no blank line', note.replace('\n\n', '\n'), 'checkpoint has no blank line before its signature'],
    ['a missing timestamp line', resigned(body.replace(`${timeLine}\n`, '')), 'checkpoint body must be exactly 4 lines: origin, size, root hash, timestamp'],
    ['an extra body line', resigned(`${body}extension\n`), 'checkpoint body must be exactly 4 lines: origin, size, root hash, timestamp'],
    ['an extra line after the signature', `${note}more\n`, 'checkpoint must end with exactly one signature line'],
    ['two signature lines', `${note}${signatureLine}\n`, 'checkpoint must end with exactly one signature line'],
    ['no final newline', note.slice(0, -1), 'checkpoint must end with exactly one signature line'],
    ['CRLF line ends', note.replaceAll('\n', '\r\n'), 'checkpoint has no blank line before its signature'],
    ['a signature under another name', note.replace('\u2014 aureus.audit/acme ', '\u2014 someone '), 'signature line must be "— <origin> <base64>"'],
    ['a hyphen for the em dash', note.replace('\u2014', '-'), 'signature line must be "— <origin> <base64>"'],
    ['a short signature', note.replace(/ [^ ]+\n$/, ` ${Buffer.alloc(67).toString('base64')}\n`), 'signature line must hold one signature: expected 68 bytes, got 67'],
    ['non-canonical base64', note.replace(/.=\n$/, (m) => `${m[0] === 'Z' ? 'a' : 'Z'}=\n`), 'signature line must hold one signature: not canonical base64'],
    ['a size with a leading zero', resigned(body.replace('\n1024\n', '\n01024\n')), 'tree size must be a decimal integer without leading zeros'],
    ['a negative size', resigned(body.replace('\n1024\n', '\n-1\n')), 'tree size must be a decimal integer without leading zeros'],
    ['a size beyond 2^53', resigned(body.replace('\n1024\n', '\n9007199254740993\n')), 'tree size must be a decimal integer without leading zeros'],
    ['a short root', resigned(body.replace(rootLine, Buffer.alloc(31).toString('base64'))), 'root hash: expected 32 bytes, got 31'],
    ['a hex root', resigned(body.replace(rootLine, checkpoint.rootHash.toString('hex'))), 'root hash: expected 32 bytes, got 48'],
    ['unpadded base64 root', resigned(body.replace(rootLine, rootLine.replace(/=$/, ''))), 'root hash: not standard padded base64'],
    ['size 0 with a non-empty root', resigned(body.replace(`\n${sizeLine}\n`, '\n0\n')), 'a tree of size 0 must have the empty root'],
    ['a local-time timestamp', resigned(body.replace(timeLine, '2025-01-31T13:00:00.123+01:00')), expect.stringMatching(/^timestamp must be RFC 3339 UTC/)],
    ['31 February', resigned(body.replace(timeLine, '2025-02-31T12:00:00Z')), expect.stringMatching(/^timestamp must be RFC 3339 UTC/)],
    ['hour 24', resigned(body.replace(timeLine, '2025-01-31T24:00:00Z')), expect.stringMatching(/^timestamp must be RFC 3339 UTC/)],
    ['a space in the origin', resigned(body.replace('aureus.audit/acme', 'aureus audit')), 'origin must be 1–255 printable ASCII characters without spaces'],
    ['4 KiB of padding', `${'x'.repeat(4096)}${note}`, 'checkpoint is too long'],
  ])('refuses %s', (_name, text, reason) => {
    expect(verifyCheckpoint(text, rfcKey.publicKey, 'aureus.audit/acme')).toEqual({ ok: false, reason });
  });

  it.each([
    ['an origin with a space', { origin: 'aureus audit' }],
    ['a negative size', { size: -1 }],
    ['a fractional size', { size: 1.5 }],
    ['a short root', { rootHash: Buffer.alloc(31) }],
    ['a timestamp with an offset', { timestamp: '2025-01-31T12:00:00+00:00' }],
    ['a newline in the origin', { origin: 'a\nb' }],
  ])('will not sign %s', (_name, change) => {
    expect(() => signCheckpoint(rfcKey, { ...checkpoint, ...change })).toThrow(RangeError);
  });

  it('refuses input that is not text', () => {
    expect(verifyCheckpoint(42, rfcKey.publicKey)).toEqual({ ok: false, reason: 'checkpoint must be text' });
  });

  it.each([
    ['2025-01-31T12:00:00Z', '2025-01-31T12:00:00.000Z', 0],
    ['2025-01-31T12:00:00.1Z', '2025-01-31T12:00:00.09Z', 1],
    ['2025-01-31T12:00:00.999999999Z', '2025-01-31T12:00:01Z', -1],
    ['2024-12-31T23:59:59Z', '2025-01-01T00:00:00Z', -1],
  ])('compareTimestamps(%s, %s) = %i', (a, b, sign) => {
    expect(Math.sign(compareTimestamps(a, b))).toBe(sign);
  });
});

describe('evidence signatures', () => {
  const pack = Buffer.from('{"decision":"approved","query_id":"q-1"}');
  const record = signEvidence(rfcKey, pack);

  it('signs the domain-separated SHA-256 of the canonical bytes', () => {
    const sha256 = createHash('sha256').update(pack).digest('hex');
    expect(record).toMatchObject({ sha256, keyId: rfcKey.keyId });
    expect(evidenceMessage(sha256).toString()).toBe(`aureus-evidence-v1\n${sha256}\n`);
    expect(verifyEvidence(rfcKey.publicKey, pack, record)).toEqual({ ok: true });
    expect(verifyEvidence(rfcKey.publicKey, pack, { signature: record.signature })).toEqual({ ok: true });
  });

  it.each([
    ['altered bytes', { bytes: Buffer.from('{"decision":"rejected","query_id":"q-1"}') }, 'evidence bytes do not match the recorded SHA-256'],
    ['altered bytes, no recorded digest', { bytes: Buffer.from('{}'), record: { signature: record.signature } }, 'evidence signature does not verify'],
    ['another key', { key: generateSigningKey().publicKey, record: { signature: record.signature } }, 'evidence signature does not verify'],
    ['a recorded key id of another key', { record: { ...record, keyId: '00000000' } }, `evidence is signed by key 00000000, not by key ${rfcKey.keyId}`],
    ['a malformed digest', { record: { ...record, sha256: 'ABC' } }, 'sha256 must be 64 lowercase hex digits'],
    ['a truncated signature', { record: { signature: record.signature.slice(4) } }, expect.stringMatching(/^signature: /)],
    ['no signature', { record: {} }, 'signature: not standard padded base64'],
  ])('rejects %s', (_name, change: { bytes?: Buffer; key?: SigningKey['publicKey']; record?: object }, reason) => {
    expect(verifyEvidence(change.key ?? rfcKey.publicKey, change.bytes ?? pack, change.record ?? record)).toEqual({ ok: false, reason });
  });

  it('never passes for a checkpoint signature, nor the other way round', () => {
    const note = signCheckpoint(rfcKey, checkpoint);
    const checkpointSignature = Buffer.from(note.trimEnd().split(' ').pop() as string, 'base64').subarray(4).toString('base64');
    expect(verifyEvidence(rfcKey.publicKey, Buffer.from(checkpointBody(checkpoint)), { signature: checkpointSignature }).ok).toBe(false);
    const forged = note.replace(/ [^ ]+\n$/, ` ${Buffer.concat([Buffer.from(rfcKey.keyId, 'hex'), Buffer.from(record.signature, 'base64')]).toString('base64')}\n`);
    expect(verifyCheckpoint(forged, rfcKey.publicKey)).toEqual({ ok: false, reason: 'checkpoint signature does not verify' });
  });
});
