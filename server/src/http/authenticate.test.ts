import { describe, expect, it } from 'vitest';
import { readCookie } from './authenticate.js';

describe('readCookie', () => {
  it('reads the first cookie of that exact name', () => {
    const header = 'xgantry_session=no; a=1;  gantry_session = tok-1 ; gantry_session=tok-2';
    expect(readCookie(header, 'gantry_session')).toBe('tok-1');
    expect(readCookie(header, 'a')).toBe('1');
    expect(readCookie(header, 'b')).toBeUndefined();
    expect(readCookie(undefined, 'a')).toBeUndefined();
    expect(readCookie('', 'a')).toBeUndefined();
    expect(readCookie('a', 'a')).toBeUndefined();
  });

  it('unquotes and decodes like a cookie parser, never throwing', () => {
    expect(readCookie('a="x y"', 'a')).toBe('x y');
    expect(readCookie('a=%E2%9C%93', 'a')).toBe('✓');
    expect(readCookie('a=%E0%A4%A', 'a')).toBe('%E0%A4%A');
    expect(readCookie('a=', 'a')).toBe('');
  });
});
