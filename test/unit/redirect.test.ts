import { describe, expect, it } from 'vitest';
import { safeRedirectPath } from '../../src/shared/redirect';

describe('safeRedirectPath', () => {
  it.each([
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'https://evil.example',
    'javascript:alert(1)',
    '%2F%2Fevil.example',
    '/%2F%2Fevil.example',
    '/%5Cevil.example',
    '/\t/evil.example',
    '/admin/../..//evil.example',
    'https://app@evil.example',
    'admin',
    '',
    '/%E0%A4%A',
    `/${'a'.repeat(8 * 1024)}`,
  ])('refuses %j', (input) => {
    expect(safeRedirectPath(input)).toBeUndefined();
  });

  it.each([[null], [undefined], [42], [['/admin']], [{ path: '/admin' }]])('refuses the non-string %j', (input) => {
    expect(safeRedirectPath(input)).toBeUndefined();
  });

  it.each([
    ['/admin', '/admin'],
    ['/m', '/m'],
    ['/admin/settings?tab=1#top', '/admin/settings?tab=1#top'],
    ['/admin/./x/../y', '/admin/y'],
    ['/%E4%B8%AD', '/%E4%B8%AD'],
  ])('keeps the same-origin path %j', (input, expected) => {
    expect(safeRedirectPath(input)).toBe(expected);
  });
});
