// The icons of @ant-design/icons (provided by the NocoBase page) the modern client's forms use.
declare module '@ant-design/icons' {
  import type { FC } from 'react';

  export const DeleteOutlined: FC;
  export const PlusOutlined: FC;
}
