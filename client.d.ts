declare const PluginAuthWeComClient: new (...args: unknown[]) => unknown;
export default PluginAuthWeComClient;
