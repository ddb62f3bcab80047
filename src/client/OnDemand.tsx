// Parts that only some pages show (admin forms, the callback page) live in files next to the sign-in
// bundle and are loaded when first shown, so every visitor of the sign-in page downloads only the button.
import { Alert, Spin } from 'antd';
import { type ComponentType, useEffect, useState } from 'react';
import { loadOnDemand } from '../client-common/amd';
import { useT } from '../client-common/locale';

/**
 * A component standing in for `exportName` of the sibling `file`: a spinner while it loads, the reason
 * when it cannot (the next mount tries again).
 */
export function onDemand<P extends object>(file: string, exportName: string, notLoaded: string): ComponentType<P> {
  let loaded: ComponentType<P> | undefined;
  function OnDemand(props: P) {
    const t = useT();
    const [state, setState] = useState<{ Part?: ComponentType<P>; error?: unknown }>(() => ({ Part: loaded }));
    const ready = Boolean(state.Part);
    useEffect(() => {
      if (ready) return;
      let mounted = true;
      loadOnDemand<Record<string, ComponentType<P>>>(file).then(
        (chunk) => {
          loaded = chunk[exportName];
          if (mounted) setState({ Part: loaded });
        },
        (error: unknown) => mounted && setState({ error }),
      );
      return () => {
        mounted = false;
      };
    }, [ready]);
    if (state.Part) return <state.Part {...props} />;
    if (state.error) {
      return <Alert type="error" showIcon message={t(notLoaded)} description={state.error instanceof Error ? state.error.message : String(state.error)} />;
    }
    return <Spin />;
  }
  OnDemand.displayName = `OnDemand(${exportName})`;
  return OnDemand;
}
