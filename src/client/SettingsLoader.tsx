import { Alert, Spin } from 'antd';
import { useEffect, useState } from 'react';
import { loadSibling } from './amd';
import { useT } from './locale';

type SettingsChunk = typeof import('./settings/AdminSettingsForm');
type Form = SettingsChunk['AdminSettingsForm'];

let loaded: Form | undefined;
let loading: Promise<Form> | undefined;
let failures = 0;

/** dist/client/settings.js, once per page; after a failure, the next drawer tries again. */
function loadForm(): Promise<Form> {
  loading ??= loadSibling<SettingsChunk>('settings.js', failures).then(
    (chunk) => (loaded = chunk.AdminSettingsForm),
    (error: unknown) => {
      loading = undefined;
      failures += 1;
      throw error;
    },
  );
  return loading;
}

/**
 * The authenticator drawer's form. Only admins see it, so it is not part of the bundle every visitor of
 * the sign-in page downloads: it comes from its own file (settings.js) when a drawer shows it.
 */
export function AdminSettingsForm() {
  const t = useT();
  const [state, setState] = useState<{ Form?: Form; error?: unknown }>(() => ({ Form: loaded }));
  const ready = Boolean(state.Form);

  useEffect(() => {
    if (ready) return;
    let mounted = true;
    loadForm().then(
      (Form) => mounted && setState({ Form }),
      (error: unknown) => mounted && setState({ error }),
    );
    return () => {
      mounted = false;
    };
  }, [ready]);

  if (state.Form) return <state.Form />;
  if (state.error) {
    return (
      <Alert
        type="error"
        showIcon
        message={t('The WeCom settings could not be loaded. Close this drawer and open it again.')}
        description={state.error instanceof Error ? state.error.message : String(state.error)}
      />
    );
  }
  return <Spin />;
}
