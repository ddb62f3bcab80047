// What both clients' sync source forms share.
import { RESOURCE } from '../../constants';
import { appApiBase } from '../../shared/app-path';
import { hasSavedSecret, REMOVE_SECRETS } from '../../shared/secrets';

/** `POST { name?, options }`: tries a source's options against WeCom (src/server/sync/check-contacts.ts). */
export const CHECK_CONTACTS_ACTION = `${RESOURCE}:checkContacts`;

/**
 * The URL to enter in WeCom's console (管理工具 → 通讯录同步 → 设置接收事件服务器). WeCom's request carries no
 * X-App header: in a sub-app the URL itself names the app.
 */
export function contactsCallbackUrl(app: { getApiUrl(path?: string): string; name: string }, source: string): string {
  return new URL(app.getApiUrl(`${appApiBase('', app.name)}${RESOURCE}:contactsCallback?source=${encodeURIComponent(source)}`), window.location.href).href;
}

/** The callback's Token and EncodingAESKey: both or neither, so they are removed together. */
export const CALLBACK_SECRET_PATHS = ['callbackToken', 'callbackEncodingAESKey'];

/** Whether read `options` hold a saved callback Token or EncodingAESKey (which the form may offer to remove). */
export function hasSavedCallback(options: unknown): boolean {
  return CALLBACK_SECRET_PATHS.some((path) => hasSavedSecret(options, path));
}

/** Whether the form's `options` ask the server to remove the saved callback pair on save. */
export function removesCallback(options: unknown): boolean {
  const list = (options as Record<string, unknown> | null | undefined)?.[REMOVE_SECRETS];
  return Array.isArray(list) && CALLBACK_SECRET_PATHS.every((path) => list.includes(path));
}
