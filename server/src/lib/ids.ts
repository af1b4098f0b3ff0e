import { randomBytes } from 'node:crypto';
import { uuidv7 } from 'uuidv7';

/** A new time-sortable random id (UUIDv7). */
export function newId(): string {
  return uuidv7();
}

export const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

const REQUEST_ID_BYTES = 9;
let randomPool = Buffer.alloc(0);
let poolOffset = 0;

/**
 * A request id: 72 random bits, base64url (12 characters). Drawn from a pool of random
 * bytes filled 4 KiB at a time — one `randomBytes` call per request costs more than the
 * rest of the id. Request ids only correlate log lines and audit events; they are no secret.
 */
export function newRequestId(): string {
  if (poolOffset + REQUEST_ID_BYTES > randomPool.length) {
    randomPool = randomBytes(4096);
    poolOffset = 0;
  }
  poolOffset += REQUEST_ID_BYTES;
  return randomPool.toString('base64url', poolOffset - REQUEST_ID_BYTES, poolOffset);
}
