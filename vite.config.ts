import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

/** The renderer: one page, served by `ferret serve` over HTTP and by the Electron shell. */
export default defineConfig({
  root: 'src-renderer',
  // Relative asset URLs, so the same build works at http://127.0.0.1:PORT/ and in Electron.
  base: './',
  plugins: [svelte()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    // The strict CSP forbids inline scripts; this keeps Vite from emitting any.
    modulePreload: { polyfill: false },
  },
});
