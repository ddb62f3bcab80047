// The parts of antd 5 the modern client's forms use, added to ../../client-common/types/antd.d.ts.
import type { CSSProperties, FC, ReactNode } from 'react';

type NamePath = string | number | (string | number)[];

interface Rule {
  required?: boolean;
  message?: string;
  validator?: (rule: unknown, value: unknown) => Promise<void>;
}

interface FormInstance {
  getFieldValue(name: NamePath): unknown;
  setFieldValue(name: NamePath, value: unknown): void;
  validateFields(names?: NamePath[]): Promise<unknown>;
  getFieldError(name: NamePath): string[];
}

interface ListField {
  key: number;
  name: number;
}

interface Option {
  label: ReactNode;
  value: string | number;
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
      /** Fields whose change validates this one again. */
      dependencies?: NamePath[];
      required?: boolean;
      noStyle?: boolean;
      hidden?: boolean;
      validateStatus?: 'error';
      help?: ReactNode;
      style?: CSSProperties;
      children?: ReactNode;
    }>;
    List: FC<{
      name: NamePath;
      rules?: Rule[];
      initialValue?: unknown[];
      children: (fields: ListField[], operations: { add(value?: unknown): void; remove(index: number): void }, meta: { errors: ReactNode[] }) => ReactNode;
    }>;
    useFormInstance(): FormInstance;
    useWatch(name: NamePath, options: { form?: FormInstance; preserve?: boolean }): unknown;
  };
  export const Input: FC<{ placeholder?: string; autoComplete?: string; style?: CSSProperties }> & {
    Password: FC<{ placeholder?: string; autoComplete?: string }>;
  };
  export const InputNumber: FC<{ min?: number; max?: number; precision?: number; style?: CSSProperties }>;
  export const Checkbox: FC<{ children?: ReactNode }>;
  export const Tooltip: FC<{ title?: ReactNode; children?: ReactNode }>;
  export const Select: FC<{ options?: Option[]; 'aria-label'?: string; loading?: boolean; placeholder?: string; style?: CSSProperties; allowClear?: boolean }>;
  export const Radio: { Group: FC<{ options?: Option[] }> };
}
