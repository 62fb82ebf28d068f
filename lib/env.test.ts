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

describe("roles from the identity provider's group claim", () => {
  const oidc = { SLIPWAY_OIDC_ISSUER: "https://id.example.com", SLIPWAY_OIDC_CLIENT_ID: "slipway", SLIPWAY_OIDC_CLIENT_SECRET: "s" };

  it("reads the claim name and the group=role pairs", () => {
    const e = parseEnv({ ...oidc, SLIPWAY_OIDC_ROLES_CLAIM: "groups", SLIPWAY_OIDC_ROLE_MAP: "leads=tech-lead, product=pm,leads=delivery-lead" });
    expect(e.oidcRoleMapping?.claim).toBe("groups");
    expect(Object.fromEntries(e.oidcRoleMapping!.groups)).toEqual({ leads: ["tech-lead", "delivery-lead"], product: ["pm"] });
    expect(e.SLIPWAY_OIDC_SCOPES).toBe("openid email profile");
  });

  it("without a mapping there is none: people start as viewers", () => {
    expect(parseEnv(oidc).oidcRoleMapping).toBeNull();
  });

  it("names each bad pair, a claim without a map, and a map without a provider", () => {
    const problems = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as EnvError).problems;
      }
      return [];
    };
    expect(problems(() => parseEnv({ ...oidc, SLIPWAY_OIDC_ROLES_CLAIM: "groups", SLIPWAY_OIDC_ROLE_MAP: "leads=boss,=pm,ops" }))).toEqual([
      'SLIPWAY_OIDC_ROLE_MAP: "leads=boss": "boss" is not a role (expected one of viewer, developer, delivery-lead, tech-lead, pm, admin)',
      'SLIPWAY_OIDC_ROLE_MAP: "=pm": expected group=role',
      'SLIPWAY_OIDC_ROLE_MAP: "ops": expected group=role',
    ]);
    expect(problems(() => parseEnv({ ...oidc, SLIPWAY_OIDC_ROLES_CLAIM: "groups" }))).toEqual([
      "SLIPWAY_OIDC_ROLE_MAP: required when SLIPWAY_OIDC_ROLES_CLAIM or SLIPWAY_OIDC_ROLE_MAP is set (the claim to read and the group=role pairs to apply)",
    ]);
    expect(problems(() => parseEnv({ SLIPWAY_OIDC_ROLES_CLAIM: "groups", SLIPWAY_OIDC_ROLE_MAP: "a=pm" }))).toEqual([
      "SLIPWAY_OIDC_ROLES_CLAIM: only applies with an identity provider: set SLIPWAY_OIDC_ISSUER, _CLIENT_ID and _CLIENT_SECRET",
    ]);
    expect(problems(() => parseEnv({ ...oidc, SLIPWAY_OIDC_SCOPES: "openid  groups" }))[0]).toContain("SLIPWAY_OIDC_SCOPES: expected scopes separated by single spaces");
  });
});
