// The sealed login cookie: only the key that sealed it, for the same purpose (app) and cookie, opens it.
import { describe, expect, it } from 'vitest';
import { Sealer } from '../../src/server/auth/seal';

const SECRET = 'wecom-demo-app-key-change-me';
const value = { p: [{ s: 'AbCdEfGhIjKlMnOpQrStUvWxYz012345', a: 'wecom', x: 1 }] };

describe('Sealer', () => {
  it('opens what it sealed, on another instance with the same secret too', () => {
    const sealed = new Sealer(SECRET, 'login-state:main').seal(value, 'nocobase_wecom_login');
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('AbCdEfGh');
    expect(new Sealer(SECRET, 'login-state:main').open(sealed, 'nocobase_wecom_login')).toEqual(value);
  });

  it.each([
    ['another secret (another APP_KEY)', new Sealer('another-app-key-0123456789', 'login-state:main'), 'nocobase_wecom_login'],
    ['another app (a sub-app with the same secret)', new Sealer(SECRET, 'login-state:sub1'), 'nocobase_wecom_login'],
    ['another cookie name', new Sealer(SECRET, 'login-state:main'), 'nocobase_wecom_login_sub1'],
  ])('does not open a value sealed under %s', (_, other, context) => {
    const sealed = new Sealer(SECRET, 'login-state:main').seal(value, 'nocobase_wecom_login');
    expect(other.open(sealed, context)).toBeUndefined();
  });

  it.each([
    ['one character changed', (s: string) => `${s.slice(0, 20)}${s[20] === 'A' ? 'B' : 'A'}${s.slice(21)}`],
    ['cut short', (s: string) => s.slice(0, -4)],
    ['empty', () => ''],
    ['not base64url', (s: string) => `${s.slice(0, 10)}%${s.slice(11)}`],
    ['9 KB', () => 'A'.repeat(9000)],
  ])('does not open a sealed value %s', (_, change) => {
    const sealer = new Sealer(SECRET, 'login-state:main');
    expect(sealer.open(change(sealer.seal(value, 'c')), 'c')).toBeUndefined();
  });
});
