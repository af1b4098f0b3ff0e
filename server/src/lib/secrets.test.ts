import { describe, expect, it } from 'vitest';
import { hashToken, newToken, safeEqual, seal, unseal } from './secrets.js';

describe('secrets', () => {
  it('hashes tokens with SHA-256, hex', () => {
    // FIPS 180-2 test vectors.
    expect(hashToken('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(hashToken('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    // UTF-8: "é" is the bytes c3 a9.
    expect(hashToken('é')).toBe('4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c');
  });

  it('makes URL-safe tokens of 256 random bits by default', () => {
    const token = newToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newToken()).not.toBe(token);
  });

  it('compares equal strings only', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });

  it('seals and unseals under the same secret and purpose only', () => {
    const sealed = seal('s'.repeat(40), 'pods', 'hunter2');
    expect(sealed).not.toContain('hunter2');
    expect(unseal('s'.repeat(40), 'pods', sealed)).toBe('hunter2');
    expect(unseal('t'.repeat(40), 'pods', sealed)).toBeNull();
    expect(unseal('s'.repeat(40), 'other', sealed)).toBeNull();
  });
});
