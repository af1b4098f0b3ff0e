import { describe, expect, it } from 'vitest';
import { safeNextPath } from './next';

describe('safeNextPath', () => {
  it('keeps console paths with their query', () => {
    expect(safeNextPath('/invite/abc')).toBe('/invite/abc');
    expect(safeNextPath('/accounts/1/pods?x=1#y')).toBe('/accounts/1/pods?x=1#y');
  });

  it('refuses other origins and Connect paths', () => {
    for (const next of [
      null,
      '',
      'https://evil.test/',
      '//evil.test/x',
      '/\\evil.test/x',
      '/\tevil',
      'javascript:alert(1)',
      '/pods/0190-pod/8888/',
      '/PODS/0190-pod/8888/',
      '/./pods/0190-pod/8888/',
      '/a/../pods/0190-pod/8888/',
      '/pods',
    ]) {
      expect(safeNextPath(next), String(next)).toBe('/');
    }
  });
});
