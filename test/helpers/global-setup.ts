import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { linkSelf, root } from '../../scripts/paths.mjs';

/** The integration tests load the built plugin by package name, as NocoBase does in production. */
export default function setup() {
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  linkSelf();
}
