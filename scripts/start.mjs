// npm start: builds only when a source is newer than the build, then runs the server.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const built = join(root, 'dist/.started-build');

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.(ts|json|csv|html|css)$/.test(entry.name) && !(entry.parentPath ?? entry.path).includes('/dist')) latest = Math.max(latest, statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  }
  return latest;
}

let builtAt = 0;
try {
  builtAt = statSync(built).mtimeMs;
} catch {}
const sources = Math.max(statSync(join(root, 'tsconfig.json')).mtimeMs, ...['src', 'projections', 'test', 'bench', 'console'].map(newest));
if (sources > builtAt) {
  process.stderr.write('building (a source is newer than dist/)...\n');
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  // What `npm run build` does: the server, then the console's check and bundle.
  for (const step of [[tsc, '-p', join(root, 'tsconfig.json')], [tsc, '-p', join(root, 'console/tsconfig.json')], [join(root, 'scripts/console-build.mjs')]]) {
    const build = spawnSync(process.execPath, step, { stdio: 'inherit' });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }
  writeFileSync(built, new Date().toISOString());
}
await import(join(root, 'dist/src/main.js'));
