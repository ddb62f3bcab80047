import { useApp } from '@nocobase/client';
import { observer, useForm } from '@formily/react';
import { DomainsView, HomepageLinkView } from './GeneratedView';
import type { DrawerValues } from './values';

/** What to enter as the app's homepage in the WeCom admin console. */
export const HomepageLink = observer(() => {
  const app = useApp();
  const { name, options = {} } = useForm<DrawerValues>().values;
  return <HomepageLinkView name={name} options={options} apiBase={new URL(app.getApiUrl()).pathname} hrefOf={(path) => app.getHref(path)} />;
});

/** host[:port] of Origin: the trusted domain and the authorized callback domain of the WeCom app. */
export const Domains = observer(() => <DomainsView options={useForm<DrawerValues>().values.options ?? {}} />);
