// The entry of dist/client/settings.js, loaded only when an authenticator drawer shows the form
// (../index.tsx, ../OnDemand.tsx).
import { SchemaComponent } from '@nocobase/client';
import type { GeneralField } from '@formily/core';
import type { ISchema } from '@formily/json-schema';
import { useMemo } from 'react';
import type { TFunction } from 'react-i18next';
import { DEFAULT_REDIRECT_PATH } from '../../constants';
import { hasSavedSecret } from '../../shared/secrets';
import { useT } from '../../client-common/locale';
import { CheckConfig } from './CheckConfig';
import { field } from './field';
import { AppCallbackUrl, Domains, HomepageLink } from './Generated';
import { SignInSecretWarning } from './SignInSecretWarning';
import { RemoveCallback } from '../sync/RemoveCallback';
import { removesCallback } from '../../client-common/sync/contacts';
import { callbackAesKeyValidator, callbackPairError, callbackTokenValidator, originValidator, redirectPathValidator } from '../../client-common/settings/validators';
import type { DrawerValues } from '../../client-common/settings/values';

const components = { AppCallbackUrl, CheckConfig, Domains, HomepageLink, RemoveCallback, SignInSecretWarning };

/**
 * The server never sends a saved Secret back (docs/architecture.md, write-only secrets): it lists it in
 * `options.savedSecrets`, and an empty field keeps it on save.
 */
const writeOnlySecret = (t: TFunction) => (field: GeneralField) => {
  const saved = hasSavedSecret((field.form.values as DrawerValues).options, 'corpSecret');
  field.setState({ required: !saved });
  field.setComponentProps({
    placeholder: saved ? t('A Secret is saved. Leave this empty to keep it, or enter a new one to replace it.') : undefined,
  });
};

/** An optional write-only option (the app callback's Token and EncodingAESKey): an empty field keeps a saved value. */
const writeOnlyOptional = (t: TFunction, path: string) => (field: GeneralField) => {
  const options = (field.form.values as DrawerValues).options;
  // A pair marked for removal is no longer "saved".
  const saved = hasSavedSecret(options, path) && !removesCallback(options);
  field.setComponentProps({
    autoComplete: 'new-password',
    placeholder: saved ? t('A value is saved. Leave this empty to keep it, or enter a new one to replace it.') : undefined,
  });
};

/** Token and EncodingAESKey go together (one entered, the other entered or saved). */
const pairValidator = (t: TFunction, path: 'callbackToken' | 'callbackEncodingAESKey') => (_value: unknown, _rule: unknown, ctx: { form: { values: DrawerValues } }) =>
  callbackPairError(t, ctx.form.values.options, path);

// Paths are relative to the drawer's `options` (docs/architecture.md, saved options).
const settingsSchema = (t: TFunction): ISchema => ({
  type: 'object',
  properties: {
    signInSecret: { type: 'void', 'x-component': 'SignInSecretWarning' },
    'public.autoSignup': field(
      t('Sign up automatically'),
      'Checkbox',
      t('When a phone number does not match an existing user, create a new user automatically'),
      { type: 'boolean', default: false },
    ),
    corpId: field(t('Company ID'), 'Input', undefined, { required: true }),
    agentId: field(t('AgentId'), 'Input', undefined, { required: true }),
    corpSecret: field(
      t('Secret'),
      'Password',
      t("To keep it in NocoBase's Variables and secrets, enter {{example}}.", { example: '{{$env.WECOM_SECRET}}' }),
      { 'x-reactions': writeOnlySecret(t) },
    ),
    origin: field(t('Origin'), 'Input', t('Like https://nocobase.example.com, without a path.'), {
      required: true,
      default: window.location.origin,
      'x-validator': originValidator(t),
    }),
    redirectPath: field(t('Workbench redirect link'), 'Input', t('A path on this site, like /admin or /m.'), {
      default: DEFAULT_REDIRECT_PATH,
      'x-validator': redirectPathValidator(t),
    }),
    'public.autoLogin': field(
      t('Automatic login'),
      'Checkbox',
      t('In the WeCom client, sign in without a click. Only one WeCom authenticator may have it.'),
      { type: 'boolean', default: false },
    ),
    'public.tooltip': field(
      t('Button tooltip'),
      'Input',
      t('Shown when the pointer rests on the WeCom button of the sign-in page. Localized like the title.'),
    ),
    homepage: field(t('Workbench homepage link'), 'HomepageLink', t("The app's homepage in the WeCom admin console."), {
      type: 'void',
    }),
    domains: field(
      t('Domains to register in WeCom'),
      'Domains',
      t("The app's trusted domain, and the authorized callback domain of WeCom login."),
      { type: 'void' },
    ),
    callbackToken: field(t('Callback Token'), 'Password', t("For WeCom cards: the Token of the app's API receive-messages setting in WeCom."), {
      'x-reactions': writeOnlyOptional(t, 'callbackToken'),
      'x-validator': [callbackTokenValidator(t), pairValidator(t, 'callbackToken')],
    }),
    callbackEncodingAESKey: field(
      t('Callback EncodingAESKey'),
      'Password',
      t("For WeCom cards: the EncodingAESKey of the app's API receive-messages setting in WeCom."),
      { 'x-reactions': writeOnlyOptional(t, 'callbackEncodingAESKey'), 'x-validator': [callbackAesKeyValidator(t), pairValidator(t, 'callbackEncodingAESKey')] },
    ),
    removeCallback: { type: 'void', 'x-component': 'RemoveCallback' },
    appCallbackUrl: field(t('Receive-messages URL'), 'AppCallbackUrl', t("Enter it in WeCom's admin console (the app, Receive messages, Set API receiving) with the Token and EncodingAESKey."), {
      type: 'void',
    }),
    check: { type: 'void', 'x-component': 'CheckConfig' },
  },
});

export function AdminSettingsForm() {
  const t = useT();
  const schema = useMemo(() => settingsSchema(t), [t]);
  return <SchemaComponent schema={schema} components={components} />;
}
