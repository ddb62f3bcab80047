/** Locale namespace and short plugin name (`pm enable auth-wecom`). */
export const NAMESPACE = 'auth-wecom';
export const AUTH_TYPE = 'WeCom';
/** Resource of the plugin's own actions: `wecom:authorize`, `wecom:checkConfig`. */
export const RESOURCE = 'wecom';
/** Client route WeCom returns to, relative to the app's public path. */
export const CALLBACK_ROUTE = 'wecom/callback';
export const DEFAULT_REDIRECT_PATH = '/admin';
/** Notification channel type (plugin-notification-manager). */
export const CHANNEL_TYPE = 'wecom';
/** Notification channel type of a WeCom group robot (its webhook). */
export const ROBOT_CHANNEL_TYPE = 'wecom-robot';
/** Sync source type (plugin-user-data-sync). */
export const SYNC_SOURCE_TYPE = 'wecom';
