// Fixed facts of the e2e world: the sandbox's demo corp (sandbox/demo-config.json), the app's admin and Zhang San.
export const ADMIN = { email: 'admin@nocobase.com', password: 'admin123' };
/**
 * The NocoBase user of sandbox member zhangsan: his phone, NocoBase's Admin role (not root: a root user never signs
 * in with WeCom), so that zhangsan's first sign-in in the WeCom client links to it and the settings pages open.
 */
export const ZHANG_SAN = { username: 'zhangsan_local', nickname: 'Zhang San (NocoBase)', phone: '13800000001', roles: ['admin'] };
export const CORP = { corpId: 'wwdemo0000000001', agentId: '1000002', secret: 'demo-secret-0123456789abcdef' };
/** The User-Agent of the WeCom client on a phone: `wxwork` is what the plugin looks for. */
export const WECOM_UA =
  'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Mobile Safari/537.36 ' +
  'wxwork/4.1.22 MicroMessenger/7.0.1 Language/zh ColorScheme/Light';
