// antd Form rules of the modern client's forms (authenticator, channel, message, sync source).
import type { TFunction } from 'react-i18next';

/** A formily-style validator (a message, or '' when the value is fine) as an antd rule. */
export const rule = (validate: (value: unknown) => string | Promise<string>) => ({
  validator: async (_: unknown, value: unknown) => {
    const message = await validate(value);
    if (message) throw new Error(message);
  },
});

export const required = (t: TFunction, field: string) => ({ required: true, message: t('Please enter {{field}}.', { field }) });

export const chosen = (t: TFunction, field: string) => ({ required: true, message: t('Please choose {{field}}.', { field }) });
