// The entry of dist/client-v2/notification-message.js: the message of a `/v/` workflow notification node sent
// over a `wecom` channel (a plain antd Form; every name is under the node's `namePrefix`). Field names are
// WeCom's message/send names (docs/architecture.md, notification channel), as in the v1 form
// (src/client/notification/forms.tsx); the server checks everything again once the variables are filled in.
import { useFlowContext } from '@nocobase/flow-engine';
import { Form, Radio } from 'antd';
import { useMemo, type ReactNode } from 'react';
import { useT } from '../../client-common/locale';
import { appLink, channelOrigins, contentLinks, maxBytes, maxChars } from '../../client-common/notification/limits';
import { required, rule } from '../rules';
import { Receivers, TextItem } from './fields';

type Name = (string | number)[];

interface Props {
  /** The workflow's variables (flow-engine MetaTreeNode[]); the inputs' own tree when absent. */
  variableOptions?: unknown[];
  namePrefix?: Name;
}

export default function MessageConfigForm({ variableOptions, namePrefix = [] }: Props) {
  const t = useT();
  const form = Form.useFormInstance();
  const at = (...path: string[]): Name => [...namePrefix, ...path];
  const msgtype = (Form.useWatch(at('msgtype'), { form }) as string | undefined) ?? 'textcard';
  // The notification manager's fieldset holds the channel next to the message (`[...namePrefix, 'channelName']`):
  // links are checked against its authenticator's Origin, as the server will.
  const { api } = useFlowContext();
  const origins = useMemo(() => channelOrigins((config) => api.request(config)), [api]);
  const origin = () => origins(form.getFieldValue(at('channelName')));
  const text = (path: string[], label: string, rules: object[], extra?: ReactNode, area = false) => (
    <TextItem key={path.join('.')} name={at(...path)} label={label} rules={rules} extra={extra} area={area} metaTree={variableOptions} />
  );
  return (
    <>
      <Receivers name={at('receivers')} t={t} />
      <Form.Item name={at('msgtype')} label={t('Message type')} initialValue="textcard" rules={[required(t, t('Message type'))]}>
        <Radio.Group
          options={[
            { label: t('Text card'), value: 'textcard' },
            { label: t('Text'), value: 'text' },
            { label: 'Markdown', value: 'markdown' },
            { label: t('Template card (text notice)'), value: 'template_card' },
          ]}
        />
      </Form.Item>
      {msgtype === 'textcard' && [
        text(['title'], t('Title'), [required(t, t('Title')), rule(maxBytes(t, 128))]),
        text(['description'], t('Description'), [required(t, t('Description')), rule(maxBytes(t, 512))], undefined, true),
        text(
          ['url'],
          t('Link'),
          [rule(appLink(t, origin))],
          t("A path of this app, like /admin/..., made absolute from the authenticator's Origin. Empty: the authenticator's redirect link."),
        ),
        text(['btntxt'], t('Button text'), [rule(maxChars(t, 4))]),
      ]}
      {(msgtype === 'text' || msgtype === 'markdown') &&
        text(['content'], t('Content'), [required(t, t('Content')), rule(contentLinks(t, () => msgtype, origin))], undefined, true)}
      {msgtype === 'template_card' && [
        text(['template_card', 'main_title', 'title'], t('Title'), [required(t, t('Title'))]),
        text(['template_card', 'main_title', 'desc'], t('Description'), []),
        text(['template_card', 'sub_title_text'], t('Content'), [], undefined, true),
        text(
          ['template_card', 'card_action', 'url'],
          t('Link'),
          [required(t, t('Link')), rule(appLink(t, origin))],
          t("A path of this app, like /admin/..., made absolute from the authenticator's Origin."),
        ),
      ]}
    </>
  );
}
