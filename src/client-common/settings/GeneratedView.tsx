// What both clients' settings forms generate from the drawer's values (props only: no form library).
import { Space, Typography } from 'antd';
import { DEFAULT_REDIRECT_PATH } from '../../constants';
import { appApiBase, modernPathInApp } from '../../shared/app-path';
import { safeRedirectPath } from '../../shared/redirect';
import { appCallbackPath } from '../../shared/wecom-card';
import { useT } from '../locale';
import { authorizeAction } from '../start';
import { parseOrigin } from './validators';
import type { WeComFormOptions } from './values';

function Copyable({ text }: { text: string }) {
  return (
    <Typography.Text code copyable={{ text }} style={{ wordBreak: 'break-all' }}>
      {text}
    </Typography.Text>
  );
}

export interface HomepageLinkProps {
  name?: string;
  options: WeComFormOptions;
  /** The API's path, `/api/`. */
  apiBase: string;
  /** The address of a return path, `/admin` → `/admin` (v1) or `/v/admin` → `/v/admin`. */
  hrefOf: (path: string) => string;
  /** The modern client's segment, `/v/`: a link to one of its pages asks for its callback (`client=v2`). */
  modern?: string;
  /** The app (`main` or a sub-app's name): a sub-app's link names it (`/api/__app/<name>/`, `/v/apps/<name>/`). */
  app?: string;
}

/** What to enter as the app's homepage in the WeCom admin console; in the modern client, with its `/v/` twin. */
export function HomepageLinkView({ name, options, apiBase, hrefOf, modern, app }: HomepageLinkProps) {
  const t = useT();
  const origin = parseOrigin(options.origin);
  if (!origin || !name) return <Typography.Text type="secondary">{t('Fill in Origin first.')}</Typography.Text>;
  const redirect = safeRedirectPath(options.redirectPath) ?? DEFAULT_REDIRECT_PATH;
  const isModern = (path: string) => Boolean(modern && `${path}/`.startsWith(modern));
  // The workbench opens the link without an X-App header: a sub-app's link names the app in its path.
  const link = (path: string) =>
    `${origin}${appApiBase(apiBase, app)}${authorizeAction(name, { redirect: isModern(path) ? modernPathInApp(path, modern!, app) : path, silent: true })}${isModern(path) ? '&client=v2' : ''}`;
  // /admin/x has a `/v/` twin; /m (mobile) has none.
  const twin = modern && !isModern(redirect) && /^\/admin(\/|$)/.test(redirect) ? `${modern.slice(0, -1)}${redirect}` : undefined;
  return (
    <Space direction="vertical" size={4} style={{ width: '100%' }}>
      <Copyable text={link(redirect)} />
      {twin && (
        <>
          <Typography.Text type="secondary">{t('For the modern client ({{path}}):', { path: modern, interpolation: { escapeValue: false } })}</Typography.Text>
          <Copyable text={link(twin)} />
        </>
      )}
      {options.public?.autoLogin && (
        <>
          <Typography.Text type="secondary">
            {t('With automatic login, the plain address works too (/admin for desktop, /m for mobile):')}
          </Typography.Text>
          <Copyable text={`${origin}${hrefOf(redirect)}`} />
        </>
      )}
    </Space>
  );
}

/** host[:port] of Origin: the trusted domain and the authorized callback domain of the WeCom app. */
export function DomainsView({ options }: { options: WeComFormOptions }) {
  const t = useT();
  const origin = parseOrigin(options.origin);
  if (!origin) return <Typography.Text type="secondary">{t('Fill in Origin first.')}</Typography.Text>;
  return <Copyable text={new URL(origin).host} />;
}

export interface AppCallbackUrlProps {
  name?: string;
  options: WeComFormOptions;
  /** The API's path, `/api/`. */
  apiBase: string;
  /** The app (`main` or a sub-app's name): WeCom's request carries no X-App header, so a sub-app's URL names it. */
  app?: string;
}

/**
 * The app's receive-messages URL (WeCom console: the app → 接收消息 → 设置API接收), made from Origin like every
 * address WeCom is given: `<Origin>/api/wecom:appCallback?authenticator=<name>`.
 */
export function AppCallbackUrlView({ name, options, apiBase, app }: AppCallbackUrlProps) {
  const t = useT();
  const origin = parseOrigin(options.origin);
  if (!origin || !name) return <Typography.Text type="secondary">{t('Fill in Origin first.')}</Typography.Text>;
  return <Copyable text={`${origin}${appApiBase(apiBase, app)}${appCallbackPath(name)}`} />;
}
