// Fields of the `/v/` message forms, shared by the app channel's form and the group robot's: the receivers
// (NocoBase users, picked or by query; at least one for the app channel, optional for a robot, which mentions
// them) and a text field with the workflow's variables.
import { UserAddition, UserSelect } from '@nocobase/plugin-notification-manager/client-v2';
import { WorkflowVariableInput, WorkflowVariableTextArea } from '@nocobase/plugin-workflow/client-v2';
import { Form } from 'antd';
import type { ReactNode } from 'react';
import type { TFunction } from 'react-i18next';
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
