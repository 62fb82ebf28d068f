import path from "node:path";
import { z } from "zod";
import { parseTrustedProxies, type TrustedProxies } from "@/lib/server/forwarding";
import { parseRoleMap, type OidcRoleMapping } from "@/lib/auth/oidc-roles";

/**
 * Slipway's environment variables, validated once. Every bad value is reported by name with what
 * was expected, so a misconfigured server says what to fix instead of failing later.
 */
const flag = z.enum(["1", "0", "true", "false", "on", "off", "yes", "no"], { error: "expected 1/0, true/false, on/off or yes/no" }).transform((v) => ["1", "true", "on", "yes"].includes(v));

const envSchema = z
  .object({
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, { error: "expected a postgres:// connection URL" })
      .optional(),
    /** PostgreSQL: the tables' owner, for migrations only; DATABASE_URL is then the application's (non-owner) role. */
    SLIPWAY_MIGRATION_DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, { error: "expected a postgres:// connection URL" })
      .optional(),
    SLIPWAY_DATA_DIR: z.string().min(1).default(".data"),
    /** One pipeline file; set on its own (without SLIPWAY_PIPELINES_DIR) it is the only pipeline loaded. */
    SLIPWAY_CONFIG: z.string().min(1).optional(),
    /** The directory whose `*.yaml` files are the pipelines (default `pipelines/`; falls back to slipway.yaml when it holds none). */
    SLIPWAY_PIPELINES_DIR: z.string().min(1).optional(),
    PORT: z.coerce.number({ error: "expected a port number" }).int().min(1).max(65535).default(3000),
    HOST: z.string().min(1).optional(),
    SLIPWAY_DEMO: flag.optional(),
    /** Run the controller inside the web server (default); off when it runs as its own process. */
    SLIPWAY_CONTROLLER: flag.optional(),
    /** Stop the local platform's apps and router when Slipway stops (default off: the data plane keeps serving). */
    SLIPWAY_STOP_APPS_ON_EXIT: flag.optional(),
    /** Share pages' reads between views at one pipeline revision (default on; lib/services/revision-cache.ts). Off measures the uncached path. */
    SLIPWAY_READ_CACHE: flag.optional(),
    SLIPWAY_LOCAL_PORT_BASE: z.coerce.number({ error: "expected a port number" }).int().min(1024).max(65000).optional(),
    SLIPWAY_OIDC_ISSUER: z.url({ error: "expected the issuer URL of your OpenID Connect provider" }).optional(),
    SLIPWAY_OIDC_CLIENT_ID: z.string().min(1).optional(),
    SLIPWAY_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    SLIPWAY_OIDC_NAME: z.string().min(1).default("Single sign-on"),
    /** Scopes asked for at sign-in; add the one that releases your group claim (e.g. `groups`). */
    SLIPWAY_OIDC_SCOPES: z
      .string()
      .regex(/^[\x21-\x7e]+( [\x21-\x7e]+)*$/, { error: "expected scopes separated by single spaces" })
      .default("openid email profile"),
    /** The ID-token claim that lists a person's groups, e.g. `groups`. */
    SLIPWAY_OIDC_ROLES_CLAIM: z.string().min(1).max(200).optional(),
    /** `group=role,…`: the roles each group grants, applied at every sign-in. */
    SLIPWAY_OIDC_ROLE_MAP: z.string().min(1).optional(),
    /** The ID-token claim whose groups make a person a member of the team with that `oidc_group`. */
    SLIPWAY_OIDC_GROUPS_CLAIM: z.string().min(1).max(200).optional(),
    /** A token that may create deployments (GitHub: `deployments: write`), to report deployments on pull requests. */
    SLIPWAY_GITHUB_TOKEN: z.string().min(1).optional(),
    SLIPWAY_GITHUB_API_URL: z.url({ error: "expected the GitHub REST API's base URL, e.g. https://github.example.com/api/v3" }).default("https://api.github.com"),
    /** A GitLab token with the `api` scope, to report deployments on merge requests. */
    SLIPWAY_GITLAB_TOKEN: z.string().min(1).optional(),
    SLIPWAY_GITLAB_API_URL: z.url({ error: "expected the GitLab REST API's base URL, e.g. https://gitlab.example.com/api/v4" }).default("https://gitlab.com/api/v4"),
    /** Comma-separated emails that become admins when they first sign in through OIDC. */
    SLIPWAY_ADMIN_EMAILS: z.string().default(""),
    /**
     * Comma-separated IP addresses or CIDR ranges of the reverse proxies in front of Slipway. Only
     * their X-Forwarded-* headers are believed; from anyone else they are ignored.
     */
    SLIPWAY_TRUSTED_PROXIES: z
      .string()
      .default("")
      .superRefine((value, ctx) => {
        try {
          parseTrustedProxies(value);
        } catch (error) {
          ctx.addIssue({ code: "custom", message: (error as Error).message });
        }
      }),
  })
  .superRefine(
    (env, ctx) => {
      const oidc = [env.SLIPWAY_OIDC_ISSUER, env.SLIPWAY_OIDC_CLIENT_ID, env.SLIPWAY_OIDC_CLIENT_SECRET];
      const set = oidc.filter(Boolean).length;
      if (set > 0 && set < 3) {
        for (const name of ["SLIPWAY_OIDC_ISSUER", "SLIPWAY_OIDC_CLIENT_ID", "SLIPWAY_OIDC_CLIENT_SECRET"] as const) {
          if (!env[name]) ctx.addIssue({ code: "custom", path: [name], message: "required when any SLIPWAY_OIDC_* variable is set" });
        }
      }
      if (Boolean(env.SLIPWAY_OIDC_ROLES_CLAIM) !== Boolean(env.SLIPWAY_OIDC_ROLE_MAP)) {
        const missing = env.SLIPWAY_OIDC_ROLES_CLAIM ? "SLIPWAY_OIDC_ROLE_MAP" : "SLIPWAY_OIDC_ROLES_CLAIM";
        ctx.addIssue({ code: "custom", path: [missing], message: "required when SLIPWAY_OIDC_ROLES_CLAIM or SLIPWAY_OIDC_ROLE_MAP is set (the claim to read and the group=role pairs to apply)" });
      }
      if (env.SLIPWAY_OIDC_ROLE_MAP) {
        const parsed = parseRoleMap(env.SLIPWAY_OIDC_ROLE_MAP);
        if ("problems" in parsed) for (const problem of parsed.problems) ctx.addIssue({ code: "custom", path: ["SLIPWAY_OIDC_ROLE_MAP"], message: problem });
      }
      if (env.SLIPWAY_OIDC_GROUPS_CLAIM && !env.SLIPWAY_OIDC_ISSUER) {
        ctx.addIssue({ code: "custom", path: ["SLIPWAY_OIDC_GROUPS_CLAIM"], message: "only applies with an identity provider: set SLIPWAY_OIDC_ISSUER, _CLIENT_ID and _CLIENT_SECRET" });
      }
      if (env.SLIPWAY_OIDC_ROLES_CLAIM && !env.SLIPWAY_OIDC_ISSUER) {
        ctx.addIssue({ code: "custom", path: ["SLIPWAY_OIDC_ROLES_CLAIM"], message: "only applies with an identity provider: set SLIPWAY_OIDC_ISSUER, _CLIENT_ID and _CLIENT_SECRET" });
      }
      // Run even when other variables failed, so every problem is reported at once.
    },
    { when: () => true },
  );

export type SlipwayEnv = z.infer<typeof envSchema> & {
  dataDir: string;
  configPath: string;
  /** Where the pipelines are loaded from (see lib/config/pipeline-set.ts). */
  pipelineSources: { dir: string | null; fallbackFile: string };
  demo: boolean;
  controller: boolean;
  stopAppsOnExit: boolean;
  readCache: boolean;
  oidcConfigured: boolean;
  /** Roles from the identity provider's group claim, when SLIPWAY_OIDC_ROLES_CLAIM and _ROLE_MAP are set. */
  oidcRoleMapping: OidcRoleMapping | null;
  adminEmails: string[];
  trustedProxies: TrustedProxies;
};

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Slipway's environment is not valid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

export function parseEnv(source: Record<string, string | undefined> = process.env): SlipwayEnv {
  // Empty strings mean "not set", as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    throw new EnvError(result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  const env = result.data;
  return {
    ...env,
    dataDir: path.resolve(env.SLIPWAY_DATA_DIR),
    configPath: path.resolve(env.SLIPWAY_CONFIG ?? "slipway.yaml"),
    pipelineSources: {
      // SLIPWAY_CONFIG alone: that one file (today's setups and the e2e pipeline); else the directory.
      dir: env.SLIPWAY_CONFIG && !env.SLIPWAY_PIPELINES_DIR ? null : path.resolve(env.SLIPWAY_PIPELINES_DIR ?? "pipelines"),
      fallbackFile: path.resolve(env.SLIPWAY_CONFIG ?? "slipway.yaml"),
    },
    // Demo data is for the embedded database; a real server starts empty unless asked.
    demo: env.SLIPWAY_DEMO ?? !env.DATABASE_URL,
    controller: env.SLIPWAY_CONTROLLER ?? true,
    stopAppsOnExit: env.SLIPWAY_STOP_APPS_ON_EXIT ?? false,
    readCache: env.SLIPWAY_READ_CACHE ?? true,
    oidcConfigured: Boolean(env.SLIPWAY_OIDC_ISSUER),
    oidcRoleMapping: roleMapping(env.SLIPWAY_OIDC_ROLES_CLAIM, env.SLIPWAY_OIDC_ROLE_MAP),
    adminEmails: env.SLIPWAY_ADMIN_EMAILS.split(",")
      .map((e) => e.trim().toLowerCase())
      .filter(Boolean),
    trustedProxies: parseTrustedProxies(env.SLIPWAY_TRUSTED_PROXIES),
  };
}

function roleMapping(claim: string | undefined, map: string | undefined): OidcRoleMapping | null {
  if (!claim || !map) return null;
  const parsed = parseRoleMap(map);
  return "groups" in parsed ? { claim, groups: parsed.groups } : null;
}

const cache = globalThis as unknown as { __slipwayEnv?: SlipwayEnv };

/** The validated environment of this process (parsed on first use). */
export function env(): SlipwayEnv {
  cache.__slipwayEnv ??= parseEnv();
  return cache.__slipwayEnv;
}
