import { useAPIClient } from '@nocobase/client';
import { SignInSecretWarningView } from '../../client-common/settings/SignInSecretWarningView';

/** The shared sign-in secret warning in the v1 drawer (formily). */
export function SignInSecretWarning() {
  const api = useAPIClient();
  return <SignInSecretWarningView request={(config) => api.request(config)} />;
}
