export { PluginAuthWeComServer as default } from './plugin';
export { WeComAuth } from './auth/wecom-auth';
