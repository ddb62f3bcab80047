import { useAPIClient } from '@nocobase/client';
import { observer, useForm } from '@formily/react';
import { CheckConfigView } from '../../client-common/settings/CheckConfigView';
import type { DrawerValues } from '../../client-common/settings/values';

/** The view, rendered again when a form value it reads changes: a result then leaves with the values it checked. */
export const ObservedCheckConfigView = observer(CheckConfigView);

/** "Check configuration" in the v1 drawer (formily). */
export function CheckConfig() {
  const api = useAPIClient();
  const form = useForm<DrawerValues>();
  return <ObservedCheckConfigView request={(config) => api.request(config)} values={form.values} />;
}
