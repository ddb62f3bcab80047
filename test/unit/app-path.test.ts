import { describe, expect, it } from 'vitest';
import { appApiBase, appSegment, callbackPagePath, hrefInApp, isCallbackPagePath, modernPathInApp, pageInApp } from '../../src/shared/app-path';

describe('addresses of a sub-app', () => {
  it('names a sub-app in page paths and leaves the main app (and an unusable name) without a segment', () => {
    expect(appSegment('crm')).toBe('apps/crm/');
    expect(appSegment('main')).toBe('');
    expect(appSegment(undefined)).toBe('');
    expect(appSegment(null)).toBe('');
    expect(appSegment('a/../b')).toBe('');
  });

  it('names a sub-app in the API path a navigation uses (the gateway reads /api/__app/<name>/)', () => {
    expect(appApiBase('/api/', 'crm')).toBe('/api/__app/crm/');
    expect(appApiBase('/nocobase/api/', 'crm')).toBe('/nocobase/api/__app/crm/');
    expect(appApiBase('/api/', 'main')).toBe('/api/');
    expect(appApiBase('', 'crm')).toBe('__app/crm/');
  });

  it('builds the callback page of each app and client', () => {
    expect(callbackPagePath('/', 'wecom/callback')).toBe('/wecom/callback');
    expect(callbackPagePath('/', 'wecom/callback', { modern: 'v' })).toBe('/v/wecom/callback');
    expect(callbackPagePath('/', 'wecom/callback', { app: 'crm' })).toBe('/apps/crm/wecom/callback');
    expect(callbackPagePath('/', 'wecom/callback', { app: 'crm', modern: 'v' })).toBe('/v/apps/crm/wecom/callback');
    expect(callbackPagePath('/nocobase/', 'wecom/callback', { app: 'crm', modern: 'v' })).toBe('/nocobase/v/apps/crm/wecom/callback');
  });

  it.each([
    ['/wecom/callback', true],
    ['/v/wecom/callback', true],
    ['/apps/crm/wecom/callback', true],
    ['/v/apps/crm/wecom/callback', true],
    ['/apps/crm/wecom/callback-other', false],
    ['/apps/crm/admin/wecom/callback', false],
    ['/apps/wecom/callback', false],
    ['/x/apps/crm/wecom/callback', false],
    ['/apps/a%2Fb/wecom/callback', false],
  ])('recognizes %s as a callback page: %s', (path, expected) => {
    expect(isCallbackPagePath(path, '/', 'wecom/callback', 'v')).toBe(expected);
  });

  it('puts a modern return path into the sub-app, once', () => {
    expect(modernPathInApp('/v/admin', '/v/', 'crm')).toBe('/v/apps/crm/admin');
    expect(modernPathInApp('/v/apps/crm/admin', '/v/', 'crm')).toBe('/v/apps/crm/admin');
    expect(modernPathInApp('/v/admin', '/v/', 'main')).toBe('/v/admin');
    expect(modernPathInApp('/admin', '/v/', 'crm')).toBe('/admin');
  });

  it("lands a v1 return path in the app, once: the sign-in page's ?redirect= already carries /apps/<name>/", () => {
    expect(hrefInApp('/apps/crm/', '/admin/orders')).toBe('/apps/crm/admin/orders');
    expect(hrefInApp('/apps/crm/', '/apps/crm/admin/orders')).toBe('/apps/crm/admin/orders');
    expect(hrefInApp('/apps/crm/', '/apps/crmx/admin')).toBe('/apps/crm/apps/crmx/admin');
    expect(hrefInApp('/', '/admin')).toBe('/admin');
    expect(hrefInApp('/nocobase/', '/admin')).toBe('/nocobase/admin');
  });

  describe("a notification link's path as a page of the app", () => {
    const crm = { publicPath: '/', modern: 'v', app: 'crm' };
    it.each([
      ['/admin/abc', '/apps/crm/admin/abc'],
      ['/admin?tab=2#x', '/apps/crm/admin?tab=2#x'],
      ['/', '/apps/crm/'],
      ['/apps/crm/admin/abc', '/apps/crm/admin/abc'],
      ['/apps/crm', '/apps/crm'],
      ['/apps/crm?x=1', '/apps/crm?x=1'],
      ['/apps/crmx/admin', '/apps/crm/apps/crmx/admin'],
      ['/apps/hr/admin', '/apps/crm/apps/hr/admin'],
      ['/v/admin/abc', '/v/apps/crm/admin/abc'],
      ['/v', '/v/apps/crm'],
      ['/v/apps/crm/admin', '/v/apps/crm/admin'],
      ['/vx/admin', '/apps/crm/vx/admin'],
    ])('in sub-app crm: %s → %s', (path, expected) => {
      expect(pageInApp(path, crm)).toBe(expected);
    });

    it.each([
      ['/admin/abc', '/nocobase/apps/crm/admin/abc'],
      ['/nocobase/admin/abc', '/nocobase/apps/crm/admin/abc'],
      ['/nocobase/apps/crm/admin', '/nocobase/apps/crm/admin'],
      ['/apps/crm/admin', '/nocobase/apps/crm/admin'],
      ['/v/admin', '/nocobase/v/apps/crm/admin'],
      ['/nocobase/v/apps/crm/admin', '/nocobase/v/apps/crm/admin'],
      ['/nocobasex/admin', '/nocobase/apps/crm/nocobasex/admin'],
    ])('in sub-app crm under the public path /nocobase/: %s → %s', (path, expected) => {
      expect(pageInApp(path, { ...crm, publicPath: '/nocobase/' })).toBe(expected);
    });

    it('leaves the main app, and a sub-app on a domain of its own, at the root', () => {
      expect(pageInApp('/admin/abc', { publicPath: '/', modern: 'v', app: 'main' })).toBe('/admin/abc');
      expect(pageInApp('/apps/crm/admin', { publicPath: '/', modern: 'v' })).toBe('/apps/crm/admin');
      expect(pageInApp('/v/admin', { publicPath: '/', modern: 'v' })).toBe('/v/admin');
      expect(pageInApp('/admin', { publicPath: '/nocobase/', modern: 'v' })).toBe('/nocobase/admin');
      expect(pageInApp('/nocobase/admin', { publicPath: '/nocobase/', modern: 'v' })).toBe('/nocobase/admin');
    });
  });
});
