// Registers the `wecom` channel with NocoBase's notification manager. The forms are admin-only: they come
// from their own file (dist/client/notification.js) when a channel drawer or a workflow node shows them,
// so the sign-in page's bundle stays small.
import type { Application } from '@nocobase/client';
import { Alert, Spin } from 'antd';
import { type ComponentType, useEffect, useState } from 'react';
import { CHANNEL_TYPE, NAMESPACE } from '../../constants';
import { loadSibling } from '../amd';

type Chunk = typeof import('./forms');

let loading: Promise<Chunk> | undefined;
let failures = 0;

/** notification.js, once per page; after a failure the next form tries again. */
const load = () =>
  (loading ??= loadSibling<Chunk>('notification.js', failures).catch((error: unknown) => {
    loading = undefined;
    failures += 1;
    throw error;
  }));

function lazyForm(name: 'ChannelConfigForm' | 'MessageConfigForm') {
  return function WeComForm(props: object) {
    const [state, setState] = useState<{ Form?: ComponentType<object>; error?: unknown }>({});
    useEffect(() => {
      let mounted = true;
      load().then(
        (chunk) => mounted && setState({ Form: chunk[name] as ComponentType<object> }),
        (error: unknown) => mounted && setState({ error }),
      );
      return () => {
        mounted = false;
      };
    }, []);
    if (state.Form) return <state.Form {...props} />;
    return state.error ? <Alert type="error" showIcon message={String(state.error)} /> : <Spin />;
  };
}

interface NotificationManager {
  registerChannelType(options: { title: string; type: string; components: Record<string, ComponentType<never>> }): void;
}

/** Only where the notification manager is enabled. */
export function registerChannel(app: Application) {
  const manager = app.pm.get('notification-manager') as NotificationManager | undefined;
  manager?.registerChannelType({
    title: `{{t("WeCom", { ns: "${NAMESPACE}" })}}`,
    type: CHANNEL_TYPE,
    components: { ChannelConfigForm: lazyForm('ChannelConfigForm'), MessageConfigForm: lazyForm('MessageConfigForm') },
  });
}
