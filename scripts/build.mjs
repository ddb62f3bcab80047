// Builds the plugin the way NocoBase loads it, without @nocobase/build (not in this registry):
//   dist/server/index.js   CommonJS, everything NocoBase provides stays external
//   dist/client/index.js   ONE named AMD module, minified, with a source map
//   dist/client/settings.js the admin settings form: an anonymous AMD module index.js loads on demand
//   dist/client-v2/*.js     the same for the modern client (`/v/`): index.js is `<name>/client-v2`
//   dist/locale/*.json     translations (server i18n and the client's locale loader read them here)
//   dist/externalVersion.js the versions of what the bundles take from NocoBase
import { build } from 'esbuild';
import { cp, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
// Built next to dist/ and swapped in at the end: an app or a suite reading dist/ meanwhile never sees it
// half-written or missing.
const finalDist = join(root, 'dist');
const dist = join(root, `.dist-${process.pid}`);

// Modules the NocoBase page provides to plugin bundles through requirejs (see shared/nocobase-facts.md).
const CLIENT_EXTERNALS = [
  'react',
  'react-dom',
  'react/jsx-runtime',
  'react-router',
  'react-router-dom',
  'antd',
  'antd-style',
  '@ant-design/icons',
  '@ant-design/cssinjs',
  'i18next',
  'react-i18next',
  '@formily/antd-v5',
  '@formily/core',
  '@formily/react',
  '@formily/shared',
  '@formily/json-schema',
  '@formily/reactive',
  '@formily/path',
  '@formily/validator',
  '@formily/reactive-react',
  '@nocobase/client',
  '@nocobase/utils/client',
  '@nocobase/sdk',
  '@nocobase/evaluators/client',
  'axios',
  'dayjs',
  'lodash',
  'ahooks',
  '@emotion/css',
  '@nocobase/plugin-auth/client',
  '@nocobase/plugin-notification-manager/client',
];

// What the modern client (`/v/`) provides (nocobase/nocobase packages/core/client-v2/src/utils/globalDeps.ts),
// and plugin-auth's v2 module.
const CLIENT_V2_EXTERNALS = [
  ...['react', 'react-dom', 'react/jsx-runtime', 'react-router', 'react-router-dom', 'antd', 'antd-style'],
  ...['@ant-design/icons', '@ant-design/cssinjs', 'i18next', 'react-i18next', '@formily/antd-v5', '@formily/core'],
  ...['@formily/react', '@formily/reactive', '@formily/shared', '@nocobase/utils/client', '@nocobase/client-v2'],
  ...['@nocobase/flow-engine', '@nocobase/evaluators/client', 'ahooks', 'axios', 'dayjs', 'lodash', '@emotion/css'],
  '@nocobase/plugin-auth/client-v2',
  // Only in notification-message.js, shown inside a workflow's notification node.
  '@nocobase/plugin-notification-manager/client-v2',
  '@nocobase/plugin-workflow/client-v2',
];

/** Imports of the built bundles that resolve to packages outside it, by package name. */
function externalImports(metafile) {
  const names = new Set();
  for (const output of Object.values(metafile.outputs)) {
    for (const { path, external } of output.imports) {
      if (!external || path.startsWith('node:') || path.startsWith('.')) continue;
      const parts = path.split('/');
      names.add(path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
    }
  }
  return names;
}

async function buildServer() {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['src/server/index.ts'],
    outfile: join(dist, 'server/index.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    // Nothing is installed next to a plugin added with `pm add`: the server bundle may only
    // require what NocoBase itself ships; everything of our own is bundled.
    packages: 'external',
    metafile: true,
    logLevel: 'warning',
  });
  return externalImports(result.metafile);
}

/**
 * One AMD module of the client, minified, with a source map. `amdName` names the module requirejs loads
 * by package name (the plugin); without it the module is anonymous, for a file loaded by URL.
 */
async function buildAmd({ entry, outfile, amdName, externals = CLIENT_EXTERNALS }) {
  const options = {
    absWorkingDir: root,
    entryPoints: [entry],
    outfile: join(dist, outfile),
    bundle: true,
    platform: 'browser',
    format: 'cjs',
    target: 'es2020',
    jsx: 'automatic',
    minify: true,
    sourcemap: true,
    external: externals,
    define: {
      'process.env.NODE_ENV': '"production"',
      // requirejs's local require and module of the factory below (src/client-common/amd.ts).
      __AMD_REQUIRE__: 'require',
      __AMD_MODULE__: 'module',
    },
    metafile: true,
    logLevel: 'warning',
  };
  // A first pass finds which of the page's modules the bundle really uses: requirejs must be able
  // to resolve every dependency the AMD module names, so it names only those.
  const probe = await build({ ...options, write: false });
  const used = externals.filter((name) => {
    for (const output of Object.values(probe.metafile.outputs)) {
      if (output.imports.some((entry) => entry.external && entry.path === name)) return true;
    }
    return false;
  });
  const deps = ['require', 'exports', 'module', ...used];
  const id = amdName ? `${JSON.stringify(amdName)},` : '';
  const result = await build({
    ...options,
    banner: {
      js:
        `(function(f){if(typeof define=="function"&&define.amd){define(${id}${JSON.stringify(deps)},f)}` +
        `else if(typeof module=="object"){f(require,exports,module)}})(function(require,exports,module){`,
    },
    footer: { js: '});' },
  });
  return externalImports(result.metafile);
}

async function buildClient() {
  const bundles = await Promise.all([
    // What every visitor of the sign-in page downloads: the plugin and its sign-in button.
    buildAmd({ entry: 'src/client/index.tsx', outfile: 'client/index.js', amdName: pkg.name }),
    // The callback page, for a browser coming back from WeCom (src/client/index.tsx loads it when shown).
    buildAmd({ entry: 'src/client/CallbackPage.tsx', outfile: 'client/callback.js' }),
    // The authenticator settings form, for admins only: index.js loads it next to itself when a drawer
    // shows it (src/client/OnDemand.tsx).
    buildAmd({ entry: 'src/client/settings/AdminSettingsForm.tsx', outfile: 'client/settings.js' }),
    // The WeCom sync source's form, for admins only (src/client/sync/register.tsx).
    buildAmd({ entry: 'src/client/sync/form.tsx', outfile: 'client/sync.js' }),
    // The notification channel's forms, for admins only (src/client/notification/register.tsx).
    buildAmd({ entry: 'src/client/notification/forms.tsx', outfile: 'client/notification.js' }),
    // The modern client (`/v/`): the same split, plus the callback page in its own file (src/client-v2/index.tsx).
    ...[
      { entry: 'src/client-v2/index.tsx', outfile: 'client-v2/index.js', amdName: `${pkg.name}/client-v2` },
      { entry: 'src/client-v2/CallbackPage.tsx', outfile: 'client-v2/callback.js' },
      { entry: 'src/client-v2/settings/AdminSettingsForm.tsx', outfile: 'client-v2/settings.js' },
      // The channel's options and its message form apart: only the message form needs plugin-workflow's module.
      { entry: 'src/client-v2/notification/ChannelConfigForm.tsx', outfile: 'client-v2/notification-channel.js' },
      { entry: 'src/client-v2/notification/MessageConfigForm.tsx', outfile: 'client-v2/notification-message.js' },
      // The group robot channel's options and message form (also the message form of the /admin workflow canvas).
      { entry: 'src/client-v2/notification/RobotChannelConfigForm.tsx', outfile: 'client-v2/robot-channel.js' },
      { entry: 'src/client-v2/notification/RobotMessageConfigForm.tsx', outfile: 'client-v2/robot-message.js' },
      { entry: 'src/client-v2/sync/SyncSourceForm.tsx', outfile: 'client-v2/sync.js' },
      // The WeCom card node's form, for both workflow canvases (/admin and /v/ draw it with the modern components).
      { entry: 'src/client-v2/workflow/CardFieldset.tsx', outfile: 'client-v2/wecom-card.js' },
    ].map((bundle) => buildAmd({ ...bundle, externals: CLIENT_V2_EXTERNALS })),
  ]);
  return new Set(bundles.flatMap((names) => [...names]));
}

/**
 * The versions NocoBase's plugin manager compares with its own ranges (@nocobase/server's
 * plugin-manager/deps.js: axios 1.7.x, react 18.x, ...): a plugin recording another version is listed as
 * "Problematic". What counts is what the NocoBase release provides, not the copy npm put in this repository
 * (axios 1.21.1 here, out of range): NocoBase's own plugins of the same release record the versions it was
 * built with (the prebuilt client carries react, antd & co.), so the most common record wins; a package
 * none of them records keeps the installed version.
 */
async function externalVersions(names) {
  const require = createRequire(join(root, 'package.json'));
  const release = require('@nocobase/server/package.json').version;
  const scope = join(dirname(require.resolve('@nocobase/server/package.json')), '..');
  const counts = new Map();
  for (const dir of await readdir(scope)) {
    if (!dir.startsWith('plugin-') || `@nocobase/${dir}` === pkg.name) continue;
    let recorded;
    try {
      if (require(`@nocobase/${dir}/package.json`).version !== release) continue;
      recorded = require(`@nocobase/${dir}/dist/externalVersion.js`);
    } catch (error) {
      if (error.code === 'MODULE_NOT_FOUND' || error.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') continue;
      throw error;
    }
    for (const [name, version] of Object.entries(recorded)) {
      const key = `${name}@${version}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  const reference = {};
  for (const [key] of [...counts].sort((a, b) => b[1] - a[1])) {
    const at = key.lastIndexOf('@');
    reference[key.slice(0, at)] ??= key.slice(at + 1);
  }
  const versions = {};
  for (const name of [...names].sort()) {
    let version = reference[name];
    if (!version) {
      try {
        version = require(`${name}/package.json`).version;
      } catch (error) {
        if (error.code !== 'MODULE_NOT_FOUND' && error.code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw error;
      }
    }
    if (version) versions[name] = version;
  }
  // The same check as the plugin manager's (plugin-manager/utils.js getCompatible), at build time.
  const ranges = require('@nocobase/server/lib/plugin-manager/deps.js').default;
  const semver = require('semver');
  for (const [name, version] of Object.entries(versions)) {
    const range = ranges[name] ?? ranges[name.split('/')[0]];
    if (range && !semver.satisfies(version, range, { includePrerelease: true })) {
      throw new Error(`dist/externalVersion.js would record ${name} ${version}, outside NocoBase's ${range}: the plugin manager would flag the plugin`);
    }
  }
  return versions;
}

async function copyLocales() {
  await mkdir(join(dist, 'locale'), { recursive: true });
  for (const file of await readdir(join(root, 'src/locale'))) {
    if (file.endsWith('.json')) await cp(join(root, 'src/locale', file), join(dist, 'locale', file));
  }
}

const started = Date.now();
try {
  const [serverImports, clientImports] = await Promise.all([buildServer(), buildClient(), copyLocales()]);
  const versions = await externalVersions(new Set([...serverImports, ...clientImports]));
  await writeFile(join(dist, 'externalVersion.js'), `module.exports = ${JSON.stringify(versions, null, 2)};\n`);
  // Another build (a second test run) may put its dist/ in place between the two renames: move that
  // one aside too and try again.
  const olds = [];
  for (let attempt = 0; ; attempt++) {
    const old = `${dist}-old${attempt}`;
    await rename(finalDist, old).then(
      () => olds.push(old),
      (error) => {
        if (error.code !== 'ENOENT') throw error;
      },
    );
    try {
      await rename(dist, finalDist);
      break;
    } catch (error) {
      if ((error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') || attempt >= 20) throw error;
    }
  }
  await Promise.all(olds.map((old) => rm(old, { recursive: true, force: true })));
} finally {
  await rm(dist, { recursive: true, force: true });
}
console.log(`built dist/ in ${Date.now() - started} ms`);
