import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";
import drizzle from "eslint-plugin-drizzle";

// Next.js's own rule sets (React, hooks, Next, jsx-a11y, typescript-eslint) plus drizzle's guard
// against an update or delete without `where`. Our drizzle handles are always named `db` (also
// `ctx.db`, `connection.db`) or `tx` inside a transaction.
export default defineConfig([
  ...nextVitals,
  ...nextTypescript,
  {
    plugins: { drizzle },
    rules: {
      "drizzle/enforce-delete-with-where": ["error", { drizzleObjectName: ["db", "tx"] }],
      "drizzle/enforce-update-with-where": ["error", { drizzleObjectName: ["db", "tx"] }],
      // `_name` marks what is left out on purpose (a destructured field dropped, an unused argument).
      "@typescript-eslint/no-unused-vars": ["warn", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", ignoreRestSiblings: true }],
    },
  },
  {
    // Test setups reset every row of a table in their own throwaway database on purpose.
    files: ["**/*.test.ts", "**/__tests__/**", "e2e/**"],
    rules: { "drizzle/enforce-delete-with-where": "off", "drizzle/enforce-update-with-where": "off" },
  },
  {
    // These effects read browser-only values (the clock, the time zone) once hydration is done, so
    // the server's first paint and the browser's agree; that is exactly what this rule flags.
    files: ["components/deployment/deployment-live.tsx", "components/operations/freeze-form.tsx", "components/ui/time.tsx", "components/ui/zoned-time.tsx"],
    rules: { "react-hooks/set-state-in-effect": "off" },
  },
  globalIgnores([".next/**", "node_modules/**", ".data/**", "db/migrations/**", "public/**", "test-results/**", "playwright-report/**", "next-env.d.ts", "examples/**/node_modules/**"]),
]);
