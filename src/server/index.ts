export { PluginAuthWeComServer as default } from './plugin';
export { WeComAuth } from './wecom-auth';
