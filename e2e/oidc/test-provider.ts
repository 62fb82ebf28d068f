/**
 * A real OpenID Provider for the e2e suite: `oidc-provider` (a certified OpenID Connect
 * implementation) with its development login and consent pages, one confidential client for
 * Slipway, PKCE required, RP-initiated logout on, and `groups` released in the ID token.
 *
 * A small control API beside it lets a test set up the directory and inject faults:
 *   POST /__test/users  { login, email, name, groups[] }   add or replace a person
 *   POST /__test/fault  { fault: "wrong-issuer" | "wrong-audience" | "expired" | null }
 * A fault re-signs the next ID tokens with the provider's own key but a wrong `iss`, `aud` or an
 * `exp` an hour ago — exactly what a misconfigured or malicious provider would send.
 *
 * Run: tsx e2e/oidc/test-provider.ts --port 3199 --redirect http://localhost:3190
 */
import http from "node:http";
import { parseArgs } from "node:util";
import { SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import Provider, { type Configuration } from "oidc-provider";

export const TEST_CLIENT = { id: "slipway-e2e", secret: "e2e-client-secret-that-is-long-enough" } as const;
type Fault = "wrong-issuer" | "wrong-audience" | "expired" | null;
interface Person {
  email: string;
  name: string;
  groups: string[];
}

const { values } = parseArgs({ options: { port: { type: "string" }, redirect: { type: "string" } } });
const port = Number(values.port ?? 3199);
const slipway = values.redirect ?? "http://localhost:3190";
const issuer = `http://localhost:${port}`;

const directory = new Map<string, Person>();
let fault: Fault = null;

const { privateKey } = await generateKeyPair("RS256", { extractable: true });
const signingKey: JWK = { ...(await exportJWK(privateKey)), kid: "e2e-1", alg: "RS256", use: "sig" };

const configuration: Configuration = {
  clients: [
    {
      client_id: TEST_CLIENT.id,
      client_secret: TEST_CLIENT.secret,
      redirect_uris: [`${slipway}/api/auth/callback/oidc`],
      post_logout_redirect_uris: [`${slipway}/signin?signed-out=1`],
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  jwks: { keys: [signingKey] },
  pkce: { required: () => true },
  conformIdTokenClaims: false,
  scopes: ["openid", "email", "profile", "groups"],
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: ["groups"] },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  cookies: { keys: ["e2e-cookie-key"] },
  async findAccount(_ctx, sub) {
    const person = directory.get(sub);
    if (!person) return undefined;
    return { accountId: sub, claims: async () => ({ sub, email: person.email, email_verified: true, name: person.name, groups: person.groups }) };
  },
};

const provider = new Provider(issuer, configuration);

async function tamper(idToken: string): Promise<string> {
  const claims = { ...decodeJwt(idToken) };
  const now = Math.floor(Date.now() / 1000);
  if (fault === "wrong-issuer") claims.iss = "http://evil.example";
  if (fault === "wrong-audience") claims.aud = "another-client";
  if (fault === "expired") Object.assign(claims, { iat: now - 7200, exp: now - 3600 });
  const key = await importJWK(signingKey, "RS256");
  return new SignJWT(claims).setProtectedHeader(decodeProtectedHeader(idToken) as { alg: string }).sign(key);
}

provider.use(async (ctx, next) => {
  await next();
  const body = ctx.body as { id_token?: string } | undefined;
  if (fault && ctx.path === "/token" && ctx.status === 200 && body?.id_token) body.id_token = await tamper(body.id_token);
});

const handle = provider.callback();

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return JSON.parse(text || "{}") as Record<string, unknown>;
}

const server = http.createServer((req, res) => {
  if (req.url?.startsWith("/__test/")) {
    void (async () => {
      const body = await readJson(req);
      if (req.url === "/__test/users") {
        directory.set(String(body.login), { email: String(body.email), name: String(body.name ?? body.login), groups: (body.groups as string[] | undefined) ?? [] });
      } else if (req.url === "/__test/fault") {
        fault = (body.fault as Fault) ?? null;
      } else {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(204).end();
    })().catch((error: unknown) => res.writeHead(400).end(String(error)));
    return;
  }
  handle(req, res);
});

server.listen(port, "127.0.0.1", () => console.log(`[test-oidc] ${issuer} ready`));
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
