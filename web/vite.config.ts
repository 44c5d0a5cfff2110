import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

/** The console's code (start.tsx, imported by the small entry once its first requests are out)
 *  is fetched in parallel with the entry: a modulepreload link in the page. */
const preloadStart = (): Plugin => ({
  name: 'assetlib-preload-start',
  apply: 'build',
  transformIndexHtml: {
    order: 'post',
    handler(_html, ctx) {
      const start = Object.values(ctx.bundle ?? {}).find((c) => c.type === 'chunk' && c.facadeModuleId?.endsWith('/src/start.tsx'));
      return start ? [{ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `/${start.fileName}` }, injectTo: 'head' }] : [];
    },
  },
});

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react(), preloadStart()],
  build: { target: 'es2022', sourcemap: false, assetsInlineLimit: 0, chunkSizeWarningLimit: 400 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/sync': { target: 'http://127.0.0.1:8080', ws: true }, '/console': 'http://127.0.0.1:8080', '/dam': 'http://127.0.0.1:8080' } },
});
