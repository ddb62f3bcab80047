// What the classic client's channel forms share, the app channel's (./forms.tsx) and the group robot's
// (./robot-forms.tsx): the options form waits for the same authenticator choices; both messages name NocoBase
// users, both send WeCom's text-notice template card with the same fields and checks, and both check links
// against the Origin of the channel's authenticator.
import type { ISchema } from '@formily/json-schema';
import { useForm } from '@formily/react';
import { SchemaComponent, useAPIClient } from '@nocobase/client';
import { Spin } from 'antd';
import { useMemo, type ComponentType } from 'react';
import type { TFunction } from 'react-i18next';
import { useT } from '../../client-common/locale';
import { appLink, channelOrigins } from '../../client-common/notification/limits';
import type { Choice } from '../../shared/authenticator-choice';
import { useWecomAuthenticatorChoices } from '../authenticator-choices';

/** A channel's options as a schema, from the enabled WeCom authenticators; a function of the module (read once). */
export type OptionsSchema = (t: TFunction, choices: Choice[]) => ISchema;

/** A channel's options form. NocoBase's SchemaComponent reads its schema once: it is rendered when the choices are known. */
export function ChannelOptions({ schema, components }: { schema: OptionsSchema; components?: Record<string, ComponentType> }) {
  const t = useT();
  const choices = useWecomAuthenticatorChoices(true);
  if (!choices) return <Spin />;
  return <ChannelOptionsFields t={t} choices={choices} schema={schema} components={components} />;
}

function ChannelOptionsFields({ t, choices, schema, components }: { t: TFunction; choices: Choice[]; schema: OptionsSchema; components?: Record<string, ComponentType> }) {
  const read = useMemo(() => schema(t, choices), [choices, t, schema]);
  return <SchemaComponent schema={read} components={components} />;
}

/** The Origin of the authenticator the form's channel sends as (undefined while unknown). */
export type Origin = () => Promise<string | undefined>;

/** A text field with the workflow's variables (`component`: Variable.TextArea or Variable.RawTextArea). */
export const text = (title: string, component: string, variableOptions: unknown, extra: ISchema = {}): ISchema => ({
  type: 'string',
  title,
  'x-decorator': 'FormItem',
  'x-component': component,
  'x-component-props': { scope: variableOptions, useTypedConstant: ['string'] },
  ...extra,
});

/** NocoBase users, picked or added by query (`extra`: the title, description, and whether one is required). */
export const receivers = (t: TFunction, extra: ISchema): ISchema => ({
  type: 'array',
  'x-decorator': 'FormItem',
  'x-component': 'ArrayItems',
  ...extra,
  items: {
    type: 'void',
    'x-component': 'Space',
    'x-component-props': { style: { width: '100%' } },
    properties: {
      input: { type: 'string', 'x-decorator': 'FormItem', 'x-component': 'UserSelect' },
      remove: { type: 'void', 'x-decorator': 'FormItem', 'x-component': 'ArrayItems.Remove' },
    },
  },
  properties: { add: { type: 'void', title: t('Add receiver'), 'x-component': 'UserAddition' } },
});

/** WeCom's text-notice template card: the same fields and checks over the app channel and over a robot. */
export const templateCard = (t: TFunction, variableOptions: unknown, origin: Origin, extra: ISchema): ISchema => ({
  type: 'object',
  ...extra,
  properties: {
    main_title: {
      type: 'object',
      properties: {
        title: text(t('Title'), 'Variable.TextArea', variableOptions, { required: true }),
        desc: text(t('Description'), 'Variable.TextArea', variableOptions),
      },
    },
    sub_title_text: text(t('Content'), 'Variable.RawTextArea', variableOptions),
    card_action: {
      type: 'object',
      properties: {
        url: text(t('Link'), 'Variable.TextArea', variableOptions, {
          required: true,
          description: t("A path of this app, like /admin/..., made absolute from the authenticator's Origin."),
          'x-validator': appLink(t, origin),
        }),
      },
    },
  },
});

/**
 * The Origin of the channel chosen next to the message: the notification manager's form holds it as
 * `channelName`. Each channel is read once per form.
 */
export function useChannelOrigin(): Origin {
  const api = useAPIClient();
  const form = useForm<{ channelName?: unknown }>();
  return useMemo(() => {
    const origins = channelOrigins((config) => api.request(config));
    return () => origins(form?.values.channelName);
  }, [api, form]);
}
