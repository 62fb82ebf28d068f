import path from "node:path";
import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "./env";

describe("environment variables", () => {
  it("defaults to the embedded database with demo data under .data", () => {
    const e = parseEnv({});
    expect(e).toMatchObject({ PORT: 3000, demo: true, oidcConfigured: false, dataDir: path.resolve(".data"), configPath: path.resolve("slipway.yaml") });
  });

  it("a PostgreSQL server starts without demo data unless asked", () => {
    expect(parseEnv({ DATABASE_URL: "postgres://db/slipway" }).demo).toBe(false);
    expect(parseEnv({ DATABASE_URL: "postgres://db/slipway", SLIPWAY_DEMO: "1" }).demo).toBe(true);
  });

  it("reports every bad variable by name with what was expected", () => {
    let error: unknown;
    try {
      parseEnv({ DATABASE_URL: "mysql://x", PORT: "http", SLIPWAY_OIDC_ISSUER: "https://id.example.com" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvError);
    const problems = (error as EnvError).problems.join("\n");
    expect(problems).toContain("DATABASE_URL: expected a postgres:// connection URL");
    expect(problems).toContain("PORT: expected a port number");
    expect(problems).toContain("SLIPWAY_OIDC_CLIENT_ID: required when any SLIPWAY_OIDC_* variable is set");
    expect(problems).toContain("SLIPWAY_OIDC_CLIENT_SECRET");
  });

  it("OIDC replaces local sign-in when all three variables are set", () => {
    const e = parseEnv({ SLIPWAY_OIDC_ISSUER: "https://id.example.com", SLIPWAY_OIDC_CLIENT_ID: "slipway", SLIPWAY_OIDC_CLIENT_SECRET: "s", SLIPWAY_ADMIN_EMAILS: "A@x.com, b@x.com" });
    expect(e.oidcConfigured).toBe(true);
    expect(e.adminEmails).toEqual(["a@x.com", "b@x.com"]);
  });
});
