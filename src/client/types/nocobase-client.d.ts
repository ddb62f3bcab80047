// The small part of @nocobase/client this plugin uses. The package itself cannot be installed from
// this registry (it needs @nocobase/client-v2 and @nocobase/flow-engine); at run time the prebuilt
// NocoBase client provides it to the bundle through requirejs.
export declare class Application {
  pm: { get<T>(plugin: new (...args: never[]) => T): T; get(name: string): unknown };
}

export declare class Plugin {
  app: Application;
  load(): Promise<void>;
}
