// A list of users in a `/v/` antd Form, one picker a row with its remove button, then what adds one: the message
// forms' receivers (notification/fields.tsx) and the card node's assignees (workflow/CardFieldset.tsx).
import { DeleteOutlined } from '@ant-design/icons';
import { Button, Form, Space } from 'antd';
import type { ComponentProps, ReactNode } from 'react';

interface Props {
  name: (string | number)[];
  /** The list's rules: their refusal is shown under the whole list. */
  rules: ComponentProps<typeof Form.List>['rules'];
  label: string;
  required: boolean;
  extra: ReactNode;
  /** The control of a row (its value is the row's). */
  picker: ReactNode;
  /** The name of a row's remove button; without it, that of its icon. */
  removeLabel?: string;
  /** Below the rows: what adds one (`add` appends a row). */
  adder: (add: (value?: unknown) => void) => ReactNode;
}

export function UserList({ name, rules, label, required, extra, picker, removeLabel, adder }: Props) {
  return (
    <Form.List name={name} rules={rules}>
      {(fields, { add, remove }, { errors }) => (
        <Form.Item label={label} required={required} extra={extra} validateStatus={errors.length ? 'error' : undefined} help={errors[0]}>
          <Space direction="vertical" style={{ width: '100%' }}>
            {fields.map((field) => (
              <div key={field.key} style={{ display: 'flex', alignItems: 'center', gap: 8 }}>
                <div style={{ flex: 1, minWidth: 0 }}>
                  <Form.Item name={field.name} noStyle>
                    {picker}
                  </Form.Item>
                </div>
                <Button type="text" aria-label={removeLabel} icon={<DeleteOutlined />} onClick={() => remove(field.name)} />
              </div>
            ))}
            {adder(add)}
          </Space>
        </Form.Item>
      )}
    </Form.List>
  );
}
