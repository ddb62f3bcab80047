import { describe, expect, it } from 'vitest';
import { hideSecrets, keepSecrets, WriteOnlyOptions } from '../../src/server/common/secrets';
import { hasSavedSecret, isEnvReference } from '../../src/shared/secrets';

// A nested path as well as top-level ones: the table allows both.
const entry: WriteOnlyOptions = { collection: 'things', typeField: 'type', type: 'WeCom', paths: ['corpSecret', 'callback.aesKey'] };

describe('write-only options', () => {
  it('hides top-level and nested secrets and lists the ones that are saved', () => {
    const stored = { corpId: 'ww1', corpSecret: 'abc', callback: { aesKey: 'k', url: '/x' } };
    expect(hideSecrets(entry, stored)).toEqual({ corpId: 'ww1', callback: { url: '/x' }, savedSecrets: ['corpSecret', 'callback.aesKey'] });
    // The stored object itself is not changed.
    expect(stored).toEqual({ corpId: 'ww1', corpSecret: 'abc', callback: { aesKey: 'k', url: '/x' } });
  });

  it('lists nothing for empty secrets and shows a {{$env.X}} reference as it is', () => {
    expect(hideSecrets(entry, { corpSecret: '', callback: { aesKey: null } })).toEqual({ corpSecret: '', callback: { aesKey: null } });
    expect(hideSecrets(entry, { corpSecret: '{{ $env.WECOM_SECRET }}' })).toEqual({ corpSecret: '{{ $env.WECOM_SECRET }}' });
    // Not a reference alone: a secret.
    expect(hideSecrets(entry, { corpSecret: 'x{{$env.A}}' })).toEqual({ savedSecrets: ['corpSecret'] });
  });

  it('drops a savedSecrets that was stored or sent', () => {
    expect(hideSecrets(entry, { corpId: 'ww1', savedSecrets: ['corpSecret'] })).toEqual({ corpId: 'ww1' });
    expect(keepSecrets(entry, { corpId: 'ww1', savedSecrets: ['corpSecret'] }, {})).toEqual({ corpId: 'ww1' });
  });

  it.each([
    ['absent', {}],
    ['empty', { corpSecret: '', callback: { aesKey: '' } }],
    ['null', { corpSecret: null, callback: null }],
    ['blank', { corpSecret: ' ', callback: { aesKey: '\t' } }],
  ])('keeps the stored secrets when the new ones are %s', (_, next) => {
    const previous = { corpSecret: 'abc', callback: { aesKey: 'k' } };
    expect(keepSecrets(entry, { corpId: 'ww2', ...next }, previous)).toEqual({ corpId: 'ww2', corpSecret: 'abc', callback: { aesKey: 'k' } });
  });

  it('replaces a secret with a new value and keeps the other', () => {
    expect(keepSecrets(entry, { corpSecret: 'new' }, { corpSecret: 'old', callback: { aesKey: 'k' } })).toEqual({ corpSecret: 'new', callback: { aesKey: 'k' } });
  });

  it('tells the clients whether a secret is saved', () => {
    expect(hasSavedSecret({ savedSecrets: ['corpSecret'] }, 'corpSecret')).toBe(true);
    expect(hasSavedSecret({}, 'corpSecret')).toBe(false);
    expect(hasSavedSecret(undefined, 'corpSecret')).toBe(false);
    expect(isEnvReference('{{$env.X_1}}')).toBe(true);
    expect(isEnvReference('{{$env.X}} and more')).toBe(false);
  });
});
