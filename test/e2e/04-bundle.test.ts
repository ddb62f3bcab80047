// Every visitor of the sign-in page downloads the client bundle: its size next to NocoBase's own
// plugin-auth-sms, the bar this plugin aims at.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { nodeModules, root } from '../../scripts/paths.mjs';

function size(file: string) {
  const bytes = readFileSync(file);
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

describe('client bundle', () => {
  it('is about the size of plugin-auth-sms', () => {
    const ours = size(join(root, 'dist/client/index.js'));
    const sms = size(join(nodeModules, '@nocobase/plugin-auth-sms/dist/client/index.js'));
    console.log(
      [
        'client bundle (dist/client/index.js)   raw        gzip',
        `  @nocobase/plugin-auth-wecom          ${kb(ours.raw).padEnd(10)} ${kb(ours.gzip)}`,
        `  @nocobase/plugin-auth-sms            ${kb(sms.raw).padEnd(10)} ${kb(sms.gzip)}`,
      ].join('\n'),
    );
    expect(ours.raw).toBeLessThanOrEqual(sms.raw);
    // The bar is plugin-auth-sms's 3.6 KB; fail only on real growth.
    expect(ours.gzip).toBeLessThanOrEqual(5 * 1024);
  });
});
