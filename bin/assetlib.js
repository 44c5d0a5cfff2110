#!/usr/bin/env node
// Entry point of the `assetlib` command. Checks the Node.js version first (engines in
// package.json), rebuilds dist/ when a source is newer (a fresh clone, or after an edit), then
// runs the compiled CLI.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(`assetlib: needs Node.js >= 20.19 (this is ${process.versions.node}); install a newer Node.js\n`);
  process.exit(1);
}
const build = await import('../scripts/build.mjs');
if (build.serverStale()) await build.buildServer();
await import('../dist/assetlib.js');
