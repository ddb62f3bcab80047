// The entry of dist/client-v2/notification-message.js: the message of a `/v/` workflow notification node sent
// over a `wecom` channel (a plain antd Form; every name is under the node's `namePrefix`). Field names are
// WeCom's message/send names (docs/architecture.md, notification channel), as in the v1 form
// (src/client/notification/forms.tsx); the server checks everything again once the variables are filled in.
import { DeleteOutlined } from '@ant-design/icons';
import { useFlowContext } from '@nocobase/flow-engine';
import { UserAddition, UserSelect } from '@nocobase/plugin-notification-manager/client-v2';
import { WorkflowVariableInput, WorkflowVariableTextArea } from '@nocobase/plugin-workflow/client-v2';
import { Button, Form, Radio, Space } from 'antd';
import { useMemo, type ReactNode } from 'react';
import type { TFunction } from 'react-i18next';
import { useT } from '../../client-common/locale';
import { appLink, channelOrigins, contentLinks, maxBytes, maxChars } from '../../client-common/notification/limits';
import { required, rule } from '../rules';

type Name = (string | number)[];
type Receiver = number | string | { filter?: Record<string, unknown> };

interface Props {
  /** The workflow's variables (flow-engine MetaTreeNode[]); the inputs' own tree when absent. */
  variableOptions?: unknown[];
  namePrefix?: Name;
}

/** A text field with the workflow's variables. */
function TextItem(props: { name: Name; label: string; rules: object[]; extra?: ReactNode; area?: boolean; metaTree?: unknown[] }) {
  const Input = props.area ? WorkflowVariableTextArea : WorkflowVariableInput;
  return (
    <Form.Item name={props.name} label={props.label} extra={props.extra} rules={props.rules}>
      <Input metaTree={props.metaTree as never} {...(props.area ? { autoSize: { minRows: 4 } } : {})} />
    </Form.Item>
  );
}

function Receivers({ name, t }: { name: Name; t: TFunction }) {
  const form = Form.useFormInstance();
  const value = Form.useWatch(name, { form });
  const receivers = Array.isArray(value) ? (value as Receiver[]) : [];
  const atLeastOne = {
    validator: async (_: unknown, list: unknown) => {
      if (Array.isArray(list) && list.some((entry) => entry !== '' && entry != null)) return;
      throw new Error(t('Add at least one receiver.'));
    },
  };
  return (
    <Form.List name={name} rules={[atLeastOne]}>
      {(fields, { remove }, { errors }) => (
        <Form.Item
          label={t('Receivers')}
          required
          extra={t('NocoBase users; a user is reached through the WeCom account they signed in with.')}
          validateStatus={errors.length ? 'error' : undefined}
          help={errors[0]}
        >
          <Space direction="vertical" style={{ width: '100%' }}>
            {fields.map((field) => (
              <div key={field.key} style={{ display: 'flex', alignItems: 'center', gap: 8 }}>
                <div style={{ flex: 1, minWidth: 0 }}>
                  <Form.Item name={field.name} noStyle>
                    <UserSelect />
                  </Form.Item>
                </div>
                <Button type="text" icon={<DeleteOutlined />} onClick={() => remove(field.name)} />
              </div>
            ))}
            <UserAddition value={receivers} onChange={(next) => form.setFieldValue(name, next)} />
          </Space>
        </Form.Item>
      )}
    </Form.List>
  );
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
