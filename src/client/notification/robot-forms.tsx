// The `wecom-robot` channel's forms in the classic client (exported by ./forms.tsx, the entry of
// dist/client/notification.js). Field names are WeCom's robot names [91770]; the checks are those of
// src/shared/robot-message.ts, which the server makes again once the workflow's variables are filled in.
import type { ISchema } from '@formily/json-schema';
import { useForm } from '@formily/react';
import { SchemaComponent, useAPIClient } from '@nocobase/client';
import { UserAddition, UserSelect } from '@nocobase/plugin-notification-manager/client';
import { useMemo } from 'react';
import type { TFunction } from 'react-i18next';
import { appLink } from '../../client-common/notification/limits';
import { robotField, robotMsgtypes } from '../../client-common/notification/robot';
import { TestRobotView } from '../../client-common/notification/TestRobotView';
import { useT } from '../../client-common/locale';
import { hasSavedSecret } from '../../shared/secrets';
import { ChannelOptions, receivers, templateCard, text, useChannelOrigin, type OptionsSchema, type Origin } from './fields';

interface ChannelValues {
  name?: string;
  title?: string;
  options?: { webhookKey?: string; authenticator?: string; savedSecrets?: string[] };
}

/** "Send a test message" under the channel's options. */
function TestRobotButton() {
  const api = useAPIClient();
  const form = useForm<ChannelValues>();
  const values = () => ({ webhookKey: form.values.options?.webhookKey, channel: form.values.name, title: form.values.title });
  return <TestRobotView request={(config) => api.request(config)} values={values} />;
}

/** Channel options: the robot's webhook key (write-only) and an optional authenticator for mentions by userid. */
export function RobotChannelConfigForm() {
  return <ChannelOptions schema={robotChannelSchema} components={{ TestRobotButton }} />;
}

const robotChannelSchema: OptionsSchema = (t, choices) => ({
  type: 'object',
  properties: {
    webhookKey: {
      type: 'string',
      title: t('Webhook key'),
      description: t("Paste the robot's webhook address (or its key), as copied from the group's robot. It is never shown again once saved."),
      'x-decorator': 'FormItem',
      'x-component': 'Password',
      'x-component-props': { autoComplete: 'new-password' },
      'x-reactions': (field: { form: { values: ChannelValues }; setState(s: object): void; setComponentProps(p: object): void }) => {
        const saved = hasSavedSecret(field.form.values.options, 'webhookKey');
        field.setState({ required: !saved });
        field.setComponentProps({ placeholder: saved ? t('A value is saved. Leave this empty to keep it, or enter a new one to replace it.') : undefined });
      },
    },
    authenticator: {
      type: 'string',
      title: t('WeCom authenticator (for mentions)'),
      description: t('Optional. Receivers who signed in with it are mentioned by their WeCom account; the others by their mobile number. Links to pages of this app open signed in through it.'),
      'x-decorator': 'FormItem',
      'x-component': 'Select',
      'x-component-props': { allowClear: true },
      enum: choices,
    },
    test: { type: 'void', 'x-component': 'TestRobotButton' },
  },
});

const visibleFor = (...types: string[]) => ({
  dependencies: ['msgtype'],
  fulfill: { state: { visible: `{{${JSON.stringify(types)}.includes($deps[0] || 'text')}}` } },
});

const robotMessageSchema = (t: TFunction, variableOptions: unknown, origin: Origin): ISchema => ({
  type: 'void',
  properties: {
    msgtype: {
      type: 'string',
      title: t('Message type'),
      required: true,
      default: 'text',
      'x-decorator': 'FormItem',
      'x-component': 'Radio.Group',
      enum: robotMsgtypes(t),
    },
    receivers: receivers(t, {
      title: t('Mention'),
      description: t('NocoBase users to @mention in the group (text and markdown). Optional: without them the message goes to the group.'),
      'x-reactions': visibleFor('text', 'markdown'),
    }),
    mentionAll: {
      type: 'boolean',
      title: t('Mention everyone (@all)'),
      'x-decorator': 'FormItem',
      'x-component': 'Checkbox',
      'x-reactions': visibleFor('text'),
    },
    text: {
      type: 'object',
      'x-reactions': visibleFor('text'),
      properties: { content: text(t('Content'), 'Variable.RawTextArea', variableOptions, { required: true, 'x-validator': robotField(t, 'text.content') }) },
    },
    markdown: {
      type: 'object',
      'x-reactions': visibleFor('markdown'),
      properties: { content: text(t('Content'), 'Variable.RawTextArea', variableOptions, { required: true, 'x-validator': robotField(t, 'markdown.content') }) },
    },
    news: {
      type: 'object',
      'x-reactions': visibleFor('news'),
      properties: {
        articles: {
          type: 'array',
          title: t('Articles'),
          'x-decorator': 'FormItem',
          'x-component': 'ArrayItems',
          default: [{}],
          'x-validator': [{ maxItems: 8, message: t('{{field}}: from 1 to {{max}} entries.', { field: t('Articles'), max: 8 }) }],
          items: {
            type: 'object',
            'x-component': 'Space',
            'x-component-props': { direction: 'vertical', style: { width: '100%' } },
            properties: {
              title: text(t('Article title'), 'Variable.TextArea', variableOptions, { required: true, 'x-validator': robotField(t, 'news.articles.title') }),
              description: text(t('Article description'), 'Variable.TextArea', variableOptions, { 'x-validator': robotField(t, 'news.articles.description') }),
              url: text(t('Article link'), 'Variable.TextArea', variableOptions, { required: true, 'x-validator': appLink(t, origin) }),
              picurl: text(t('Picture address'), 'Variable.TextArea', variableOptions, { 'x-validator': robotField(t, 'news.articles.picurl') }),
              remove: { type: 'void', 'x-component': 'ArrayItems.Remove' },
            },
          },
          properties: { add: { type: 'void', title: t('Add article'), 'x-component': 'ArrayItems.Addition' } },
        },
      },
    },
    template_card: templateCard(t, variableOptions, origin, { 'x-reactions': visibleFor('template_card') }),
  },
});

/** The message of a robot channel (notification manager's forms). */
export function RobotMessageConfigForm({ variableOptions }: { variableOptions?: unknown }) {
  const t = useT();
  const origin = useChannelOrigin();
  const schema = useMemo(() => robotMessageSchema(t, variableOptions, origin), [t, variableOptions, origin]);
  return <SchemaComponent schema={schema} components={{ UserSelect, UserAddition }} />;
}
