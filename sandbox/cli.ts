// npm run sandbox -- [--config FILE] [--port 13001] [--host 127.0.0.1] [--state FILE [--reset]]
//   --state FILE   keep address-book changes, change-callback settings and inboxes in FILE across restarts
//   --reset        with --state: start from the configuration, dropping what FILE holds
import { defaultConfig, loadConfig, startSandbox } from './index';

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? undefined : process.argv[at + 1];
}

async function main(): Promise<void> {
  const configPath = option('config');
  const port = Number(option('port') ?? 13001);
  const host = option('host') ?? '127.0.0.1';
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${option('port')}`);

  const stateFile = option('state');
  const persist = stateFile ? { file: stateFile, reset: process.argv.includes('--reset') } : undefined;
  const sandbox = await startSandbox(configPath ? loadConfig(configPath) : defaultConfig, { port, host, persist });
  console.log(`WeCom sandbox listening on ${sandbox.url}${stateFile ? ` (state kept in ${stateFile})` : ''}`);
  for (const corp of sandbox.config.corps) {
    console.log(`  corp ${corp.corpId} (${corp.name}): apps ${corp.apps.map((a) => a.agentId).join(', ')}`);
  }
  const stop = (): void => {
    sandbox.close().then(() => process.exit(0), fail);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function fail(error: unknown): never {
  console.error(`WeCom sandbox: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

main().catch(fail);
