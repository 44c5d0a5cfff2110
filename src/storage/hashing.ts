// The hashing, counting stream every blob store writes through: sha256 and size of what passed,
// and a too_large CoreError (ending the pipeline) once more than `limitBytes` arrive.
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { tooLarge } from '../core/errors.ts';

export interface HashingCounter {
  /** The pass-through stream to put between the source and the store's writer. */
  stream: Transform;
  /** The bytes that passed so far. */
  size(): number;
  /** The sha256 of what passed, as 64 hex characters (once the stream has finished). */
  digest(): string;
}

export function hashingCounter(limitBytes: number): HashingCounter {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > limitBytes) return cb(tooLarge(`the upload is larger than the limit of ${limitBytes} bytes`, { limit: limitBytes }));
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  return { stream, size: () => size, digest: () => hash.digest('hex') };
}
