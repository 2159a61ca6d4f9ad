import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";
// The server serves the built client from its wwwroot; `npm run dev` proxies the API and hub to a running ./run.
export default defineConfig({
    plugins: [react()],
    build: {
        outDir: "../src/ClinicChat.Server/wwwroot",
        emptyOutDir: true,
        // Keeps the CSP strict: no inline module preload polyfill script.
        modulePreload: { polyfill: false },
        sourcemap: false,
    },
    server: {
        proxy: {
            "/api": "http://127.0.0.1:5080",
            "/hubs": { target: "http://127.0.0.1:5080", ws: true },
        },
    },
    test: {
        include: ["src/**/*.test.ts"],
        environment: "node",
    },
});
