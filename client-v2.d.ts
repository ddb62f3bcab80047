declare const PluginAuthWeComClientV2: new (...args: unknown[]) => unknown;
export default PluginAuthWeComClientV2;
