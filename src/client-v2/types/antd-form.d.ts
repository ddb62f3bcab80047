// The parts of antd 5 the modern client's settings form uses, added to ../../client/types/antd.d.ts.
import type { CSSProperties, FC, ReactNode } from 'react';

type NamePath = string | (string | number)[];

interface Rule {
  required?: boolean;
  message?: string;
  validator?: (rule: unknown, value: unknown) => Promise<void>;
}

interface FormInstance {
  getFieldValue(name: NamePath): unknown;
  validateFields(names?: NamePath[]): Promise<unknown>;
}

declare module 'antd' {
  export const Form: {
    Item: FC<{
      name?: NamePath;
      label?: ReactNode;
      extra?: ReactNode;
      tooltip?: ReactNode;
      initialValue?: unknown;
      valuePropName?: string;
      rules?: Rule[];
      children?: ReactNode;
    }>;
    useFormInstance(): FormInstance;
    useWatch(name: NamePath, options: { form?: FormInstance; preserve?: boolean }): unknown;
  };
  export const Input: FC<{ placeholder?: string; autoComplete?: string; style?: CSSProperties }> & {
    Password: FC<{ placeholder?: string; autoComplete?: string }>;
  };
  export const Checkbox: FC<{ children?: ReactNode }>;
  export const Tooltip: FC<{ title?: ReactNode; children?: ReactNode }>;
}
