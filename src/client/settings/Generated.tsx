import { useApp } from '@nocobase/client';
import { observer, useForm } from '@formily/react';
import { AppCallbackUrlView, DomainsView, HomepageLinkView } from '../../client-common/settings/GeneratedView';
import type { DrawerValues, WeComFormOptions } from '../../client-common/settings/values';

/**
 * The drawer's values, read here: an observer re-renders on the form values read in its own render, and the
 * views below read them in theirs.
 */
function useDrawer(): { name?: string; options: WeComFormOptions } {
  const { name, options = {} } = useForm<DrawerValues>().values;
  return { name, options: { ...options, public: { ...options.public } } };
}

/** What to enter as the app's homepage in the WeCom admin console. */
export const HomepageLink = observer(() => {
  const app = useApp();
  const { name, options } = useDrawer();
  return <HomepageLinkView name={name} options={options} apiBase={new URL(app.getApiUrl()).pathname} hrefOf={(path) => app.getHref(path)} app={app.name} />;
});

/** host[:port] of Origin: the trusted domain and the authorized callback domain of the WeCom app. */
export const Domains = observer(() => <DomainsView options={useDrawer().options} />);

/** The app's receive-messages URL for WeCom's console (cards' button clicks come back to it). */
export const AppCallbackUrl = observer(() => {
  const app = useApp();
  const { name, options } = useDrawer();
  return <AppCallbackUrlView name={name} options={options} apiBase={new URL(app.getApiUrl()).pathname} app={app.name} />;
});
