// The drawer's generated values in the modern client: the v1 views, with `/v/` addresses.
import type { Application } from '@nocobase/client-v2';
import { AppCallbackUrlView, DomainsView, HomepageLinkView } from '../../client-common/settings/GeneratedView';
import type { WeComFormOptions } from '../../client-common/settings/values';
import { appSegment, modernPathInApp } from '../../shared/app-path';
import { clientSegment, hrefOf, rootPath } from '../start';

export function HomepageLink({ app, name, options }: { app: Application; name?: string; options: WeComFormOptions }) {
  return (
    <HomepageLinkView
      name={name}
      options={options}
      apiBase={new URL(app.getApiUrl()).pathname}
      // A `/v/` path in the app's modern pages, any other in its v1 pages (`/apps/<name>/admin` in a sub-app).
      hrefOf={(path) =>
        path.startsWith(clientSegment(app)) ? hrefOf(app, modernPathInApp(path, clientSegment(app), app.name)) : `${rootPath(app)}${appSegment(app.name)}${path.slice(1)}`
      }
      modern={clientSegment(app)}
      app={app.name}
    />
  );
}

export { DomainsView as Domains };

/** The app's receive-messages URL for WeCom's console (cards' button clicks come back to it). */
export function AppCallbackUrl({ app, name, options }: { app: Application; name?: string; options: WeComFormOptions }) {
  return <AppCallbackUrlView name={name} options={options} apiBase={new URL(app.getApiUrl()).pathname} app={app.name} />;
}
