// Fields of the `/v/` message forms, shared by the app channel's form and the group robot's: the receivers
// (NocoBase users, picked or by query; at least one for the app channel, optional for a robot, which mentions
// them) and a text field with the workflow's variables.
import { DeleteOutlined } from '@ant-design/icons';
import { UserAddition, UserSelect } from '@nocobase/plugin-notification-manager/client-v2';
import { WorkflowVariableInput, WorkflowVariableTextArea } from '@nocobase/plugin-workflow/client-v2';
import { Button, Form, Space } from 'antd';
import type { ReactNode } from 'react';
import type { TFunction } from 'react-i18next';

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
    <Form.List name={name} rules={[atLeastOne]}>
      {(fields, { remove }, { errors }) => (
        <Form.Item
          label={label ?? t('Receivers')}
          required={!optional}
          extra={extra ?? t('NocoBase users; a user is reached through the WeCom account they signed in with.')}
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

/** A text field with the workflow's variables. */
export function TextItem(props: { name: Name; label: string; rules: object[]; extra?: ReactNode; area?: boolean; metaTree?: unknown[] }) {
  const Input = props.area ? WorkflowVariableTextArea : WorkflowVariableInput;
  return (
    <Form.Item name={props.name} label={props.label} extra={props.extra} rules={props.rules}>
      <Input metaTree={props.metaTree as never} {...(props.area ? { autoSize: { minRows: 4 } } : {})} />
    </Form.Item>
  );
}
