// The integration suite (test/integration) once more, on PostgreSQL: starts a throw-away PostgreSQL
// server (Debian package `postgresql`), runs vitest with DB_DIALECT=postgres (test/helpers/app.ts then
// gives every app its own database), stops the server, and exits with vitest's status.
//   npx tsx scripts/cluster/integration-on-postgres.ts [extra vitest arguments]
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { root } from '../paths.mjs';
import { startPostgres } from './services';

async function main(): Promise<number> {
  const postgres = await startPostgres();
  try {
    const vitest = spawn(
      process.execPath,
      [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'vitest.config.mts', 'test/integration', ...process.argv.slice(2)],
      { cwd: root, stdio: 'inherit', env: { ...process.env, ...postgres.env, DB_DATABASE: 'postgres' } },
    );
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      vitest.once('error', reject);
      vitest.once('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
    });
    return code ?? (signal ? 1 : 0);
  } finally {
    await postgres.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
