// The part of antd 5 (provided by the NocoBase page) this plugin uses.
import type { CSSProperties, FC, MouseEventHandler, ReactNode } from 'react';

export declare const Alert: FC<{
  type: 'success' | 'info' | 'warning' | 'error';
  message: ReactNode;
  description?: ReactNode;
  showIcon?: boolean;
  style?: CSSProperties;
}>;

export declare const Button: FC<{
  children?: ReactNode;
  type?: 'primary' | 'default' | 'dashed' | 'link' | 'text';
  'aria-label'?: string;
  block?: boolean;
  icon?: ReactNode;
  href?: string;
  loading?: boolean;
  onClick?: MouseEventHandler<HTMLElement>;
  style?: CSSProperties;
}>;

export declare const Space: FC<{
  children?: ReactNode;
  direction?: 'vertical' | 'horizontal';
  size?: 'small' | 'middle' | 'large' | number;
  style?: CSSProperties;
}>;

export declare const Spin: FC<{ size?: 'small' | 'default' | 'large' }>;

export declare const Typography: {
  Text: FC<{
    children?: ReactNode;
    type?: 'secondary' | 'success' | 'warning' | 'danger';
    code?: boolean;
    copyable?: boolean | { text: string };
    style?: CSSProperties;
  }>;
};
