// Builds the UI into web/dist, which `stagecraft server` serves at `/`. In development
// (`npx vite web`) API calls are proxied to a local server on the default port.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: { proxy: { '/api': 'http://127.0.0.1:5100', '/openapi.json': 'http://127.0.0.1:5100' } },
});
