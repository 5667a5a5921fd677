import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';

/** Where evidence packs are kept write-once: a local folder, or an S3-compatible bucket. */
export interface EvidenceStore {
  readonly kind: 'local' | 's3';
  /**
   * Writes `bytes` under `key` once. Writing the same bytes again is a no-op ('exists', so a retry
   * after a crash is safe); different bytes under an existing key throw EvidenceConflictError.
   */
  put(key: string, bytes: Buffer): Promise<'created' | 'exists'>;
  get(key: string): Promise<Buffer | undefined>;
  /** Where an object lives, for operators (a path or an s3:// URL). */
  locate(key: string): string;
}

export class EvidenceConflictError extends Error {
  constructor(readonly key: string) {
    super(`evidence object ${key} already exists with different content; write-once storage refuses to overwrite it`);
    this.name = 'EvidenceConflictError';
  }
}

/** Keys are ours (`<yyyy>/<mm>/<dd>/<uuid>.json`), but a path must never leave the folder. */
function pathOf(root: string, key: string): string {
  const path = normalize(join(root, key));
  if (!path.startsWith(normalize(root) + sep)) throw new RangeError(`evidence key ${key} leaves the evidence folder`);
  return path;
}

/**
 * DATA_DIR/evidence. A pack is written to a fresh temporary file (O_EXCL), flushed to disk, and
 * only then hard-linked to its name: link() never replaces an existing file, and a crash half-way
 * leaves a stray temporary file rather than a truncated pack under the real name. Files are
 * read-only (0444).
 */
export function createLocalStore(root: string): EvidenceStore {
  return {
    kind: 'local',
    async put(key, bytes) {
      const path = pathOf(root, key);
      await mkdir(dirname(path), { recursive: true });
      const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      const handle = await open(temporary, 'wx', 0o444);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await link(temporary, path);
        return 'created';
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        if ((await readFile(path)).equals(bytes)) return 'exists';
        throw new EvidenceConflictError(key);
      } finally {
        await unlink(temporary).catch(() => undefined);
      }
    },
    async get(key) {
      try {
        return await readFile(pathOf(root, key));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    locate: (key) => pathOf(root, key),
  };
}
