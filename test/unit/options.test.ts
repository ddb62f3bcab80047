import { describe, expect, it } from 'vitest';
import { LoginError } from '../../src/server/common/errors';
import { parseOptions, publicOptions } from '../../src/server/common/options';

const valid = {
  corpId: 'ww0123456789abcdef',
  agentId: '1000002',
  corpSecret: 's3cret-value',
  origin: 'https://nocobase.example.com',
  public: { autoSignup: true, autoLogin: false },
};

function fieldOf(options: unknown): string | undefined {
  try {
    parseOptions(options);
  } catch (error) {
    if (error instanceof LoginError) return error.reason.field;
    throw error;
  }
  return undefined;
}

describe('parseOptions', () => {
  it('reads complete options, defaulting the redirect link to /admin', () => {
    expect(parseOptions(valid)).toEqual({
      corpId: 'ww0123456789abcdef',
      agentId: '1000002',
      corpSecret: 's3cret-value',
      origin: 'https://nocobase.example.com',
      redirectPath: '/admin',
      autoSignup: true,
      autoLogin: false,
    });
  });

  it('accepts a numeric AgentId and an origin with a trailing slash', () => {
    const parsed = parseOptions({ ...valid, agentId: 1000002, origin: 'http://127.0.0.1:13000/' });
    expect(parsed.agentId).toBe('1000002');
    expect(parsed.origin).toBe('http://127.0.0.1:13000');
  });

  it.each([
    ['corpId', { corpId: undefined }],
    ['corpId', { corpId: 'ww 01' }],
    ['agentId', { agentId: '' }],
    ['agentId', { agentId: 'abc' }],
    ['corpSecret', { corpSecret: '' }],
    ['corpSecret', { corpSecret: 'has space' }],
    ['origin', { origin: 'nocobase.example.com' }],
    ['origin', { origin: 'ftp://nocobase.example.com' }],
    ['origin', { origin: 'https://nocobase.example.com/app' }],
    ['origin', { origin: 'https://user@nocobase.example.com' }],
    ['redirectPath', { redirectPath: '//evil.example' }],
    ['redirectPath', { redirectPath: 'https://evil.example' }],
  ])('names %s when it is wrong: %j', (field, overrides) => {
    expect(fieldOf({ ...valid, ...overrides })).toBe(field);
  });

  it('names the first missing field of empty options', () => {
    expect(fieldOf(undefined)).toBe('corpId');
  });

  it('gives the browser only the two switches and the button tooltip', () => {
    expect(publicOptions({ ...valid, public: { autoSignup: true, autoLogin: true, tooltip: ' Scan with WeCom ', extra: 'x' } })).toEqual({
      autoSignup: true,
      autoLogin: true,
      tooltip: 'Scan with WeCom',
    });
    expect(publicOptions(undefined)).toEqual({ autoSignup: false, autoLogin: false, tooltip: '' });
    expect(publicOptions({ public: { tooltip: { html: '<b>' } } })).toEqual({ autoSignup: false, autoLogin: false, tooltip: '' });
  });
});
