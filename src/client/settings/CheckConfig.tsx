import { useAPIClient } from '@nocobase/client';
import { useForm } from '@formily/react';
import { CheckConfigView } from './CheckConfigView';
import type { DrawerValues } from './values';

/** "Check configuration" in the v1 drawer (formily). */
export function CheckConfig() {
  const api = useAPIClient();
  const form = useForm<DrawerValues>();
  return <CheckConfigView request={(config) => api.request(config)} values={() => form.values} />;
}
