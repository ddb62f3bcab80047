// The entry of dist/client/notification.js: the `wecom` channel's forms (./register.tsx loads them).
// Field names are WeCom's message/send names (docs/architecture.md, notification channel); the server
// checks everything again after the workflow's variables are filled in.
import { SchemaComponent } from '@nocobase/client';
import type { ISchema } from '@formily/json-schema';
import { UserAddition, UserSelect } from '@nocobase/plugin-notification-manager/client';
import { useMemo } from 'react';
import type { TFunction } from 'react-i18next';
import { useT } from '../../client-common/locale';
import { useForm } from '@formily/react';
import { appLink, contentLinks, maxBytes, maxChars } from '../../client-common/notification/limits';
import { ChannelOptions, receivers, templateCard, text, useChannelOrigin, type OptionsSchema, type Origin } from './fields';

/** Channel options: the WeCom authenticator whose app sends, and whose links name the recipients. */
export function ChannelConfigForm() {
  return <ChannelOptions schema={channelSchema} />;
}

const channelSchema: OptionsSchema = (t, choices) => ({
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
});

const visibleFor = (...types: string[]) => ({
  dependencies: ['msgtype'],
  fulfill: { state: { visible: `{{${JSON.stringify(types)}.includes($deps[0])}}` } },
});

type Variables = unknown;

/** What the validators read from the rest of the form: the channel's Origin, the message type. */
interface FormContext {
  origin: Origin;
  msgtype: () => unknown;
}

const messageSchema = (t: TFunction, variableOptions: Variables, form: FormContext): ISchema => ({
  type: 'void',
  properties: {
    receivers: receivers(t, {
      title: t('Receivers'),
      description: t('NocoBase users; a user is reached through the WeCom account they signed in with.'),
      required: true,
    }),
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
    template_card: templateCard(t, variableOptions, form.origin, { 'x-reactions': visibleFor('template_card') }),
  },
});

/** The message of a workflow's notification node (or of a notification template). */
export function MessageConfigForm({ variableOptions }: { variableOptions?: unknown }) {
  const t = useT();
  const origin = useChannelOrigin();
  const form = useForm<{ msgtype?: unknown }>();
  const context = useMemo<FormContext>(() => ({ origin, msgtype: () => form?.values.msgtype }), [origin, form]);
  const schema = useMemo(() => messageSchema(t, variableOptions, context), [t, variableOptions, context]);
  return <SchemaComponent schema={schema} components={{ UserSelect, UserAddition }} />;
}

// The group robot channel's forms live in the same file (dist/client/notification.js).
export { RobotChannelConfigForm, RobotMessageConfigForm } from './robot-forms';
