// The web app's build (vite build) and its component tests (vitest). The Maven build of the node
// module runs `npm run build -- --outDir <node's classes>/easel/web`, which the gateway serves at /.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [react()],
  resolve: {
    // sharedb reads util.inherits from Node's util; the browser gets the `inherits` package.
    alias: { util: "/src/shims/util.js" },
  },
  build: {
    // Content-hashed file names under assets/: the gateway serves them as immutable.
    assetsDir: "assets",
    emptyOutDir: true,
    chunkSizeWarningLimit: 2048,
  },
  server: {
    // `npm run dev` against a node on :8080 (./easel start): the API, the socket and sign-in.
    proxy: {
      "/v1": "http://localhost:8080",
      "/ws": { target: "ws://localhost:8080", ws: true },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
