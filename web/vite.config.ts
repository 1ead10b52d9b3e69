/// <reference types="vitest/config" />
// Vite builds the app into dist/ (served by shopfleet-api from WEB_DIR); in `npm run dev` it
// proxies the API to a local shopfleet-api. Vitest runs the unit tests in jsdom.
import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";

/** Writes .br and .gz twins of text files, which shopfleet-api serves to clients that accept them. */
function precompress(): Plugin {
  const compressible = /\.(js|css|html|svg|json|txt)$/;
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  return {
    name: "shopfleet-precompress",
    apply: "build",
    writeBundle(options) {
      for (const file of walk(options.dir ?? "dist").filter((f) => compressible.test(f))) {
        const content = readFileSync(file);
        if (content.length < 1024) continue;
        writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
        writeFileSync(`${file}.br`, brotliCompressSync(content));
      }
    },
  };
}

const api = process.env.SHOPFLEET_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react(), precompress()],
  build: {
    target: "es2022",
    sourcemap: false,
    // The storefront's first route is budgeted (scripts/web/size-budget.mjs); the consoles load on demand.
    chunkSizeWarningLimit: 600,
  },
  server: { proxy: { "/api": api, "/ready": api, "/health": api } },
  test: {
    environment: "jsdom",
    include: ["tests/**/*.test.{ts,tsx}"],
    setupFiles: ["tests/setup.ts"],
  },
});
