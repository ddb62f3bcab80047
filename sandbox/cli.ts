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

  const sandbox = await startSandbox(configPath ? loadConfig(configPath) : defaultConfig, { port, host });
  console.log(`WeCom sandbox listening on ${sandbox.url}`);
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
