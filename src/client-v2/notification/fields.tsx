// Fields of the `/v/` message forms, shared by the app channel's form and the group robot's: what both start from
// (names under the node's prefix, the message type, the channel's Origin, text fields with the workflow's
// variables), the receivers (NocoBase users, picked or by query; at least one for the app channel, optional for a
// robot, which mentions them) and WeCom's text-notice template card, which both send with the same fields.
import { useFlowContext } from '@nocobase/flow-engine';
import { UserAddition, UserSelect } from '@nocobase/plugin-notification-manager/client-v2';
import { WorkflowVariableInput, WorkflowVariableTextArea } from '@nocobase/plugin-workflow/client-v2';
import { Form, Radio } from 'antd';
import { useMemo, type ReactNode } from 'react';
import type { TFunction } from 'react-i18next';
import { useT } from '../../client-common/locale';
import { appLink, channelOrigins } from '../../client-common/notification/limits';
import { required, rule } from '../rules';
import { UserList } from '../UserList';

type Name = (string | number)[];
type Receiver = number | string | { filter?: Record<string, unknown> };

export function Receivers({ name, t, optional = false, label, extra }: { name: Name; t: TFunction; optional?: boolean; label?: string; extra?: ReactNode }) {
  const form = Form.useFormInstance();
  const value = Form.useWatch(name, { form });
  const receivers = Array.isArray(value) ? (value as Receiver[]) : [];
  const atLeastOne = {
    validator: async (_: unknown, list: unknown) => {
      if (optional || (Array.isArray(list) && list.some((entry) => entry !== '' && entry != null))) return;
      throw new Error(t('Add at least one receiver.'));
    },
  };
  return (
    <UserList
      name={name}
      rules={[atLeastOne]}
      label={label ?? t('Receivers')}
      required={!optional}
      extra={extra ?? t('NocoBase users; a user is reached through the WeCom account they signed in with.')}
      picker={<UserSelect />}
      adder={() => <UserAddition value={receivers} onChange={(next) => form.setFieldValue(name, next)} />}
    />
  );
}

/** A text field with the workflow's variables. */
export function TextItem(props: { name: Name; label: string; rules: object[]; extra?: ReactNode; area?: boolean; metaTree?: unknown[] }) {
  const Input = props.area ? WorkflowVariableTextArea : WorkflowVariableInput;
  return (
    <Form.Item name={props.name} label={props.label} extra={props.extra} rules={props.rules}>
      <Input metaTree={props.metaTree as never} {...(props.area ? { autoSize: { minRows: 4 } } : {})} />
    </Form.Item>
  );
}

/** The props NocoBase gives a message form. */
export interface MessageFormProps {
  /** The workflow's variables (flow-engine MetaTreeNode[]); the inputs' own tree when absent. */
  variableOptions?: unknown[];
  /** Where the message's fields are in the node's form. */
  namePrefix?: Name;
}

type Text = (path: Name, label: string, rules: object[], extra?: ReactNode, area?: boolean) => ReactNode;

/**
 * What both message forms start from: names under the node's prefix, the chosen message type (`initial` until
 * one is chosen) and its radio, the channel's Origin, and text fields with the workflow's variables.
 */
export function useMessageForm({ variableOptions, namePrefix = [] }: MessageFormProps, initial: string) {
  const t = useT();
  const form = Form.useFormInstance();
  const at = (...path: Name): Name => [...namePrefix, ...path];
  const msgtype = (Form.useWatch(at('msgtype'), { form }) as string | undefined) ?? initial;
  // The notification manager's fieldset holds the channel next to the message (`[...namePrefix, 'channelName']`):
  // links are checked against its authenticator's Origin, as the server will.
  const { api } = useFlowContext();
  const origins = useMemo(() => channelOrigins((config) => api.request(config)), [api]);
  const origin = () => origins(form.getFieldValue(at('channelName')));
  const text: Text = (path, label, rules, extra, area = false) => (
    <TextItem key={path.join('.')} name={at(...path)} label={label} rules={rules} extra={extra} area={area} metaTree={variableOptions} />
  );
  const msgtypeItem = (options: { label: string; value: string }[]) => (
    <Form.Item name={at('msgtype')} label={t('Message type')} initialValue={initial} rules={[required(t, t('Message type'))]}>
      <Radio.Group options={options} />
    </Form.Item>
  );
  return { t, at, msgtype, msgtypeItem, origin, text };
}

/** WeCom's text-notice template card: the same fields and checks over the app channel and over a robot. */
export const templateCardFields = (t: TFunction, text: Text, origin: () => Promise<string | undefined>) => [
  text(['template_card', 'main_title', 'title'], t('Title'), [required(t, t('Title'))]),
  text(['template_card', 'main_title', 'desc'], t('Description'), []),
  text(['template_card', 'sub_title_text'], t('Content'), [], undefined, true),
  text(
    ['template_card', 'card_action', 'url'],
    t('Link'),
    [required(t, t('Link')), rule(appLink(t, origin))],
    t("A path of this app, like /admin/..., made absolute from the authenticator's Origin."),
  ),
];
