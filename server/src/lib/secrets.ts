import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hash,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/** A URL-safe token of `bytes` random bytes (default 32 = 256 bits). */
export function newToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * SHA-256 of a token, hex; tokens are stored only in this form. One-shot `crypto.hash`
 * (run on every authenticated request) takes half the time of a `createHash` object.
 */
export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/** Constant-time comparison of two hex or base64url strings. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** HMAC-SHA256 of `value` under a key derived from the instance secret for `purpose`. */
export function hmac(secret: string, purpose: string, value: string): string {
  const key = createHmac('sha256', secret).update(`gantry:${purpose}`).digest();
  return createHmac('sha256', key).update(value).digest('base64url');
}

function boxKey(secret: string, purpose: string): Buffer {
  return createHmac('sha256', secret).update(`gantry:box:${purpose}`).digest();
}

/** Encrypts a short secret with AES-256-GCM under a key derived from the instance secret. */
export function seal(secret: string, purpose: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', boxKey(secret, purpose), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** Reverses {@link seal}; returns null when the box was not made with this secret. */
export function unseal(secret: string, purpose: string, sealed: string): string | null {
  try {
    const raw = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', boxKey(secret, purpose), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
