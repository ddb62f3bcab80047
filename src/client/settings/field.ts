// One field of the v1 admin forms' formily schemas (authenticator, sync source).
import type { ISchema } from '@formily/json-schema';

export const field = (title: string, component: string, description?: string, extra?: ISchema): ISchema => ({
  type: 'string',
  title,
  description,
  'x-decorator': 'FormItem',
  'x-component': component,
  ...extra,
});
