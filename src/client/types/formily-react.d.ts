// The part of @formily/react (provided by the NocoBase page) this plugin uses.
import type { Form } from '@formily/core';
import type { FC } from 'react';

export declare function useForm<T extends object = Record<string, unknown>>(): Form<T>;
/** Re-renders the component when the observable form values it read change. */
export declare function observer<P extends object = object>(component: FC<P>): FC<P>;
