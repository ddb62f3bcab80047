// What both clients' sync source forms share.
import { RESOURCE } from '../../constants';
import { appApiBase } from '../../shared/app-path';

/** `POST { name?, options }`: tries a source's options against WeCom (src/server/actions). */
export const CHECK_CONTACTS_ACTION = `${RESOURCE}:checkContacts`;

/**
 * The URL to enter in WeCom's console (管理工具 → 通讯录同步 → 设置接收事件服务器). WeCom's request carries no
 * X-App header: in a sub-app the URL itself names the app.
 */
export function contactsCallbackUrl(app: { getApiUrl(path?: string): string; name: string }, source: string): string {
  return new URL(app.getApiUrl(`${appApiBase('', app.name)}${RESOURCE}:contactsCallback?source=${encodeURIComponent(source)}`), window.location.href).href;
}
