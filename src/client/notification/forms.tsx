// The entry of dist/client/notification.js: the `wecom` channel's forms (./register.tsx loads them).
// Field names are WeCom's message/send names (docs/architecture.md, notification channel); the server
// checks everything again after the workflow's variables are filled in.
import { SchemaComponent, useAPIClient } from '@nocobase/client';
import type { ISchema } from '@formily/json-schema';
import { UserAddition, UserSelect } from '@nocobase/plugin-notification-manager/client';
import { Spin } from 'antd';
import { useMemo } from 'react';
import type { TFunction } from 'react-i18next';
import { useWecomAuthenticatorChoices } from '../authenticator-choices';
import { useT } from '../../client-common/locale';
import { useForm } from '@formily/react';
import { appLink, channelOrigins, contentLinks, maxBytes, maxChars } from '../../client-common/notification/limits';

/** Channel options: the WeCom authenticator whose app sends, and whose links name the recipients. */
export function ChannelConfigForm() {
  const t = useT();
  const choices = useWecomAuthenticatorChoices(true);
  // NocoBase's SchemaComponent reads its schema once: it is rendered when the choices are known.
  if (!choices) return <Spin />;
  return <AuthenticatorField t={t} choices={choices} />;
}

function AuthenticatorField({ t, choices }: { t: TFunction; choices: { label: string; value: string }[] }) {
  const schema = useMemo<ISchema>(
    () => ({
      type: 'object',
      properties: {
        authenticator: {
          type: 'string',
          title: t('WeCom authenticator'),
          description:
            choices.length === 0
              ? t('No enabled WeCom authenticator yet: add one under Authentication first.')
              : t('Messages are sent as the app of this authenticator, to the users who signed in with it.'),
          required: true,
          'x-decorator': 'FormItem',
          'x-component': 'Select',
          enum: choices,
        },
      },
    }),
    [choices, t],
  );
  return <SchemaComponent schema={schema} />;
}

const visibleFor = (...types: string[]) => ({
  dependencies: ['msgtype'],
  fulfill: { state: { visible: `{{${JSON.stringify(types)}.includes($deps[0])}}` } },
});

type Variables = unknown;

const text = (title: string, component: string, variableOptions: Variables, extra: ISchema = {}): ISchema => ({
  type: 'string',
  title,
  'x-decorator': 'FormItem',
  'x-component': component,
  'x-component-props': { scope: variableOptions, useTypedConstant: ['string'] },
  ...extra,
});

/** What the validators read from the rest of the form: the channel's Origin, the message type. */
interface FormContext {
  origin: () => Promise<string | undefined>;
  msgtype: () => unknown;
}

const messageSchema = (t: TFunction, variableOptions: Variables, form: FormContext): ISchema => ({
  type: 'void',
  properties: {
    receivers: {
      type: 'array',
      title: t('Receivers'),
      description: t('NocoBase users; a user is reached through the WeCom account they signed in with.'),
      required: true,
      'x-decorator': 'FormItem',
      'x-component': 'ArrayItems',
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
    },
    msgtype: {
      type: 'string',
      title: t('Message type'),
      required: true,
      default: 'textcard',
      'x-decorator': 'FormItem',
      'x-component': 'Radio.Group',
      enum: [
        { label: t('Text card'), value: 'textcard' },
        { label: t('Text'), value: 'text' },
        { label: 'Markdown', value: 'markdown' },
        { label: t('Template card (text notice)'), value: 'template_card' },
      ],
    },
    title: text(t('Title'), 'Variable.TextArea', variableOptions, { required: true, 'x-validator': maxBytes(t, 128), 'x-reactions': visibleFor('textcard') }),
    description: text(t('Description'), 'Variable.RawTextArea', variableOptions, {
      required: true,
      'x-validator': maxBytes(t, 512),
      'x-reactions': visibleFor('textcard'),
    }),
    url: text(t('Link'), 'Variable.TextArea', variableOptions, {
      description: t("A path of this app, like /admin/..., made absolute from the authenticator's Origin. Empty: the authenticator's redirect link."),
      'x-validator': appLink(t, form.origin),
      'x-reactions': visibleFor('textcard'),
    }),
    btntxt: {
      type: 'string',
      title: t('Button text'),
      'x-decorator': 'FormItem',
      'x-component': 'Input',
      'x-component-props': { placeholder: '详情' },
      'x-validator': maxChars(t, 4),
      'x-reactions': visibleFor('textcard'),
    },
    content: text(t('Content'), 'Variable.RawTextArea', variableOptions, {
      required: true,
      'x-validator': contentLinks(t, form.msgtype, form.origin),
      'x-reactions': visibleFor('text', 'markdown'),
    }),
    template_card: {
      type: 'object',
      'x-reactions': visibleFor('template_card'),
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
              'x-validator': appLink(t, form.origin),
            }),
          },
        },
      },
    },
  },
});

/** The message of a workflow's notification node (or of a notification template). */
export function MessageConfigForm({ variableOptions }: { variableOptions?: unknown }) {
  const t = useT();
  const api = useAPIClient();
  // The notification manager's form holds the channel next to the message (`channelName`).
  const form = useForm<{ channelName?: unknown; msgtype?: unknown }>();
  const context = useMemo<FormContext>(() => {
    const origins = channelOrigins((config) => api.request(config));
    return { origin: () => origins(form?.values.channelName), msgtype: () => form?.values.msgtype };
  }, [api, form]);
  const schema = useMemo(() => messageSchema(t, variableOptions, context), [t, variableOptions, context]);
  return <SchemaComponent schema={schema} components={{ UserSelect, UserAddition }} />;
}

// The group robot channel's forms live in the same file (dist/client/notification.js).
export { RobotChannelConfigForm, RobotMessageConfigForm } from './robot-forms';
