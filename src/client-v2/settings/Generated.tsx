// The drawer's generated values in the modern client: the v1 views, with `/v/` addresses.
import type { Application } from '@nocobase/client-v2';
import { DomainsView, HomepageLinkView } from '../../client/settings/GeneratedView';
import type { WeComFormOptions } from '../../client/settings/values';
import { clientSegment, hrefOf } from '../start';

export function HomepageLink({ app, name, options }: { app: Application; name?: string; options: WeComFormOptions }) {
  return (
    <HomepageLinkView
      name={name}
      options={options}
      apiBase={new URL(app.getApiUrl()).pathname}
      hrefOf={(path) => hrefOf(app, path)}
      modern={clientSegment(app)}
    />
  );
}

export { DomainsView as Domains };
