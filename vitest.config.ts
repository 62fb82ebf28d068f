import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

// Unit and integration tests live next to the code they test. Playwright specs (e2e/) are
// excluded on purpose: vitest would otherwise try to run them (STACK.md trap 11).
export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL(".", import.meta.url)) } },
  test: {
    include: ["lib/**/*.test.ts", "db/**/*.test.ts", "scripts/**/*.test.ts", "app/**/*.test.ts", "deploy/**/*.test.ts"],
    exclude: ["e2e/**", "node_modules/**", ".next/**"],
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
