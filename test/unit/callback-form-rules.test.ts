// The authenticator form's checks of the app callback's Token and EncodingAESKey (both clients): the shared rules
// on what is typed, and "both or neither" counting a value the server holds (an empty write-only field keeps it).
import { describe, expect, it } from 'vitest';
import type { TFunction } from 'react-i18next';
import { callbackAesKeyValidator, callbackPairError, callbackTokenValidator } from '../../src/client-common/settings/validators';

const t = ((key: string) => key) as unknown as TFunction;
const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

describe('callback Token and EncodingAESKey in the authenticator form', () => {
  it('takes 3 to 32 letters or digits as the Token, 43 as the key, a {{$env.X}} reference, or nothing', () => {
    expect(callbackTokenValidator(t)('cardToken1')).toBe('');
    expect(callbackTokenValidator(t)('')).toBe('');
    expect(callbackTokenValidator(t)('{{$env.WECOM_CALLBACK_TOKEN}}')).toBe('');
    expect(callbackTokenValidator(t)('ab')).toBe('The callback Token must be 3 to 32 letters or digits.');
    expect(callbackTokenValidator(t)('a!bc')).toBe('The callback Token must be 3 to 32 letters or digits.');
    expect(callbackAesKeyValidator(t)(KEY)).toBe('');
    expect(callbackAesKeyValidator(t)(KEY.slice(1))).toBe('The callback EncodingAESKey must be 43 letters or digits.');
  });

  it('wants both or neither, counting a saved one as given', () => {
    const pair = 'Enter both the callback Token and the EncodingAESKey, or neither.';
    expect(callbackPairError(t, { callbackToken: 'cardToken1' }, 'callbackEncodingAESKey')).toBe(pair);
    expect(callbackPairError(t, { callbackToken: 'cardToken1' }, 'callbackToken')).toBe('');
    expect(callbackPairError(t, {}, 'callbackToken')).toBe('');
    expect(callbackPairError(t, { callbackToken: 'cardToken1', savedSecrets: ['callbackEncodingAESKey'] }, 'callbackEncodingAESKey')).toBe('');
    expect(callbackPairError(t, { callbackToken: '', savedSecrets: ['callbackEncodingAESKey'] }, 'callbackToken')).toBe(pair);
    expect(callbackPairError(t, { savedSecrets: ['callbackToken', 'callbackEncodingAESKey'] }, 'callbackToken')).toBe('');
  });
});
