import { Plugin } from '@nocobase/server';
declare const PluginAuthWeComServer: typeof Plugin;
export default PluginAuthWeComServer;
