import path from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const webDir = import.meta.dirname;

export default defineConfig({
  root: webDir,
  plugins: [svelte()],
  build: {
    outDir: path.join(webDir, 'dist'),
    emptyOutDir: true,
    // hls.js (~580 kB) is its own chunk, loaded only by pages that play HLS.
    chunkSizeWarningLimit: 640,
  },
  server: {
    // `npm run dev:web` proxies the API and Socket.io to a running `npm start`.
    proxy: {
      '/api': 'http://localhost:3000',
      '/health': 'http://localhost:3000',
      '/socket.io': { target: 'http://localhost:3000', ws: true },
    },
  },
});
