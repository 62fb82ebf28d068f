/**
 * `npm run demo:build -- --app <app> --version <v> [...]`: plays the CI job of the demo. It builds
 * a sample-service artifact, registers the build through the REST API exactly as a CI system
 * would, and cuts a release of it, so a newcomer can watch a good (or deliberately faulty)
 * release travel the pipeline. Only the public API is used: no database access, so it works while
 * Slipway runs on the embedded database.
 */
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { z } from "zod";
import { DEFAULT_ARTIFACTS_DIR, writeArtifact } from "@/lib/platform/local/artifact";
import { appName, branchName, commitSha, version } from "@/lib/services/schemas";

export const USAGE = `Usage: npm run demo:build -- --app <app> --version <version> [options]

  --app <app>            the app to build (portal, admin, api-gateway, …)
  --version <version>    its new version, e.g. 1.6.0 (versions are immutable)
  --faulty               answer 50% of requests with 500 (canary analysis should catch it)
  --error-rate <0..1>    the share of requests that fail, instead of --faulty's 0.5
  --unhealthy            the build's /health answers 503 (verification should catch it)
  --commit <sha>         default: a random 40-hex commit
  --branch <branch>      default: develop
  --no-release           register the build only; cut no release
  --url <url>            Slipway's address; default http://localhost:$PORT (3000)
  --token <token>        default: $SLIPWAY_TOKEN, else <data dir>/demo-token`;

export class UsageError extends Error {}

export interface DemoBuildPlan {
  app: string;
  version: string;
  commit: string;
  branch: string;
  /** The commit's time, sent with the release so automation knows its order (a demo commit is made now). */
  committedAt: string;
  faulty: { health: boolean; errorRate: number };
  release: boolean;
  url: string;
  /** From --token or SLIPWAY_TOKEN; the demo-token file is the fallback, read at run time. */
  token: string | undefined;
  dataDir: string;
}

type Env = Record<string, string | undefined>;

/**
 * The API's own field schemas (lib/services/schemas.ts): an argument the API would refuse fails
 * here, before anything is written or sent.
 */
function checkField(schema: z.ZodType, value: string, flag: string): void {
  const result = schema.safeParse(value);
  if (!result.success) throw new UsageError(`${flag} "${value}" is refused: ${result.error.issues[0]?.message ?? "invalid"}.`);
}

/** Pure: command-line arguments and environment → what to build and where to send it. Throws UsageError. */
export function parseDemoBuildArgs(argv: string[], env: Env, randomCommit = () => randomBytes(20).toString("hex")): DemoBuildPlan {
  let values;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        app: { type: "string" },
        version: { type: "string" },
        faulty: { type: "boolean", default: false },
        "error-rate": { type: "string" },
        unhealthy: { type: "boolean", default: false },
        commit: { type: "string" },
        branch: { type: "string" },
        // Node 20's parseArgs has no --no-* negation: the flag is an option of its own.
        "no-release": { type: "boolean", default: false },
        url: { type: "string" },
        token: { type: "string" },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (!values.app || !values.version) throw new UsageError("Both --app and --version are required.");
  checkField(appName, values.app, "--app");
  checkField(version, values.version, "--version");
  if (values.commit !== undefined) checkField(commitSha, values.commit, "--commit");
  if (values.branch !== undefined) checkField(branchName, values.branch, "--branch");

  let errorRate = values.faulty ? 0.5 : 0;
  if (values["error-rate"] !== undefined) {
    errorRate = Number(values["error-rate"]);
    if (values["error-rate"].trim() === "" || !Number.isFinite(errorRate) || errorRate < 0 || errorRate > 1) {
      throw new UsageError(`--error-rate "${values["error-rate"]}" must be a number from 0 to 1, e.g. 0.3.`);
    }
  }

  const url = (values.url ?? `http://localhost:${env.PORT || 3000}`).replace(/\/+$/, "");
  if (!/^https?:\/\/[^/\s]+/.test(url)) throw new UsageError(`--url "${url}" is not an http(s) address, e.g. http://localhost:3000.`);

  return {
    app: values.app,
    version: values.version,
    commit: (values.commit ?? randomCommit()).toLowerCase(),
    branch: values.branch ?? "develop",
    committedAt: new Date().toISOString(),
    faulty: { health: values.unhealthy, errorRate },
    release: !values["no-release"],
    url,
    token: values.token || env.SLIPWAY_TOKEN || undefined,
    dataDir: path.resolve(env.SLIPWAY_DATA_DIR || ".data"),
  };
}

/** The body of POST /api/v1/builds, as a CI job sends it. */
export function buildRequestBody(plan: DemoBuildPlan, artifact: { url: string; digest: string }) {
  return {
    app: plan.app,
    version: plan.version,
    commit: plan.commit,
    branch: plan.branch,
    digest: artifact.digest,
    artifact: artifact.url,
    // The sample service has no test suite; a demo build stands for one whose tests passed.
    tests: { passed: true, total: 128, failed: 0 },
    changedFiles: [] as string[],
  };
}

/** Apps not named carry what runs in the API's default source: dev for develop, staging for a feature branch. */
export function releaseRequestBody(plan: DemoBuildPlan, buildId: string) {
  return { commit: plan.commit, branch: plan.branch, committedAt: plan.committedAt, builds: [buildId] };
}

/** Derived from the body: running the same command again replays the first answer instead of failing. */
export function idempotencyKey(body: object): string {
  return `demo-build-${createHash("sha256").update(JSON.stringify(body)).digest("hex").slice(0, 32)}`;
}

/** Turns the API's `{ error: { code, message, fields } }` into lines a person can act on. */
export function describeApiError(status: number, body: unknown, what: string): string {
  const error = (body as { error?: { code?: string; message?: string; fields?: Record<string, string> } } | null)?.error;
  if (!error?.message) return `Slipway answered ${status} to ${what}${typeof body === "string" && body ? `: ${body.slice(0, 300)}` : "."}`;
  const lines = [`Slipway refused ${what} (${status} ${error.code ?? "error"}): ${error.message}`];
  for (const [field, problem] of Object.entries(error.fields ?? {})) lines.push(`  ${field}: ${problem}`);
  if (status === 401) lines.push("Get a valid token in Settings → API tokens and pass it with --token or SLIPWAY_TOKEN.");
  if (status === 403) lines.push("Use a token of a user who may register builds and cut releases (e.g. developer@example.com).");
  if (error.code === "version_exists") lines.push("Versions are immutable: pick another --version.");
  return lines.join("\n");
}

class ApiError extends Error {}

async function post(plan: DemoBuildPlan, token: string, apiPath: string, body: object, what: string): Promise<{ status: number; body: { id: string } }> {
  let response: Response;
  try {
    response = await fetch(`${plan.url}${apiPath}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": idempotencyKey(body) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new ApiError(`Cannot reach Slipway at ${plan.url} (${cause?.code ?? cause?.message ?? (error as Error).message}). Is it running (npm start)? Or pass --url.`);
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page, say): reported as text below.
  }
  if (!response.ok) throw new ApiError(describeApiError(response.status, parsed, what));
  if (typeof (parsed as { id?: unknown })?.id !== "string") throw new ApiError(`Slipway answered ${what} without an id: ${text.slice(0, 300)}`);
  return { status: response.status, body: parsed as { id: string } };
}

function readDemoToken(dataDir: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dataDir, "demo-token"), "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface Output {
  log(line: string): void;
  error(line: string): void;
}

/** The whole command; returns the exit code (0 ok, 1 API or network error, 2 usage). */
export async function runDemoBuild(argv: string[], env: Env, out: Output = console): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    out.log(USAGE);
    return 0;
  }
  let plan: DemoBuildPlan;
  try {
    plan = parseDemoBuildArgs(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    out.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  const token = plan.token ?? readDemoToken(plan.dataDir);
  if (!token) {
    out.error(
      "No API token. Create one in Slipway under Settings → API tokens (a developer's token will do) and pass it with --token " +
        `or SLIPWAY_TOKEN; in demo mode Slipway also writes one to ${path.join(plan.dataDir, "demo-token")} on first start.`,
    );
    return 2;
  }

  // The tarball is packed in a staging directory and moved into the artifacts directory only once
  // the API accepted the build: a refused build (a taken version, an unknown app, a bad token)
  // leaves nothing behind where Slipway or a person would look.
  const sample = { app: plan.app, version: plan.version, commit: plan.commit, branch: plan.branch, faulty: plan.faulty };
  const artifactsDir = DEFAULT_ARTIFACTS_DIR(plan.dataDir);
  const staging = await fs.promises.mkdtemp(path.join(os.tmpdir(), "slipway-demo-build-"));
  const staged = await writeArtifact(staging, sample);
  const finalPath = path.join(artifactsDir, path.basename(staged.path));
  const artifact = { path: finalPath, url: pathToFileURL(finalPath).href, digest: staged.digest };
  const flags = [plan.faulty.errorRate > 0 ? `${Math.round(plan.faulty.errorRate * 100)}% errors` : "", plan.faulty.health ? "unhealthy" : ""].filter(Boolean);
  try {
    const build = await post(plan, token, "/api/v1/builds", buildRequestBody(plan, artifact), `the build ${plan.app} ${plan.version}`);
    await fs.promises.mkdir(artifactsDir, { recursive: true });
    await fs.promises.copyFile(staged.path, `${finalPath}.tmp`);
    await fs.promises.rename(`${finalPath}.tmp`, finalPath);
    out.log(`artifact  ${artifact.url}${flags.length ? `  (faulty: ${flags.join(", ")})` : ""}`);
    out.log(`digest    ${artifact.digest}`);
    out.log(`build     ${build.body.id}  ${plan.app} ${plan.version}, commit ${plan.commit.slice(0, 7)} on ${plan.branch}${build.status === 200 ? " (already registered)" : ""}`);
    if (!plan.release) {
      out.log(`Cut a release with: POST ${plan.url}/api/v1/releases {"commit":"${plan.commit}","branch":"${plan.branch}","builds":["${build.body.id}"]}`);
      return 0;
    }
    const release = await post(plan, token, "/api/v1/releases", releaseRequestBody(plan, build.body.id), `the release of commit ${plan.commit.slice(0, 7)}`);
    out.log(`release   ${release.body.id}${release.status === 200 ? " (already cut)" : ""}`);
    out.log(`open      ${plan.url}/releases/${release.body.id}`);
    return 0;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    out.error(error.message);
    return 1;
  } finally {
    await fs.promises.rm(staging, { recursive: true, force: true });
  }
}

// Run only as a command, not when the tests import this module.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runDemoBuild(process.argv.slice(2), process.env)
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
