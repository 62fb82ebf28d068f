import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError, buildRequestBody, describeApiError, idempotencyKey, parseDemoBuildArgs, releaseRequestBody, runDemoBuild } from "./demo-build";

const COMMIT = "9fceb02d0ae598e95dc970b74767f19372d61af8";
const fixedCommit = () => "c".repeat(40);
const parse = (argv: string[], env: Record<string, string | undefined> = {}) => parseDemoBuildArgs(argv, env, fixedCommit);

describe("parseDemoBuildArgs", () => {
  it("fills the defaults a CI job would", () => {
    const plan = parse(["--app", "portal", "--version", "1.6.0"], { SLIPWAY_DATA_DIR: "/tmp/slipway-data" });
    expect(plan).toEqual({
      app: "portal",
      version: "1.6.0",
      commit: "c".repeat(40),
      branch: "develop",
      committedAt: expect.any(String),
      faulty: { health: false, errorRate: 0 },
      release: true,
      url: "http://localhost:3000",
      token: undefined,
      dataDir: "/tmp/slipway-data",
    });
    expect(parse(["--app", "portal", "--version", "1"], { PORT: "4000" }).url).toBe("http://localhost:4000");
    expect(parse(["--app", "portal", "--version", "1"]).dataDir).toBe(path.resolve(".data"));
    expect(parseDemoBuildArgs(["--app", "portal", "--version", "1"], {}).commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it("maps the fault flags: --faulty is 0.5 unless --error-rate says otherwise", () => {
    const base = ["--app", "admin", "--version", "2.0.0"];
    expect(parse([...base, "--faulty"]).faulty).toEqual({ health: false, errorRate: 0.5 });
    expect(parse([...base, "--faulty", "--error-rate", "0.3"]).faulty).toEqual({ health: false, errorRate: 0.3 });
    expect(parse([...base, "--error-rate", "1"]).faulty).toEqual({ health: false, errorRate: 1 });
    expect(parse([...base, "--unhealthy"]).faulty).toEqual({ health: true, errorRate: 0 });
  });

  it("takes the other options, and the token from --token before SLIPWAY_TOKEN", () => {
    const plan = parse(["--app", "api-gateway", "--version", "3.1.0-rc.1", "--commit", COMMIT.toUpperCase(), "--branch", "feature/x", "--no-release", "--url", "http://127.0.0.1:9999/", "--token", "slw_a"], { SLIPWAY_TOKEN: "slw_env" });
    expect(plan).toMatchObject({ commit: COMMIT, branch: "feature/x", release: false, url: "http://127.0.0.1:9999", token: "slw_a" });
    expect(parse(["--app", "portal", "--version", "1"], { SLIPWAY_TOKEN: "slw_env" }).token).toBe("slw_env");
  });

  it.each([
    [[], /--app and --version are required/],
    [["--app", "portal"], /--app and --version are required/],
    [["--app", "portal", "--version", "1", "--colour", "red"], /Unknown option '--colour'/],
    [["--app", "portal", "--version", "1", "extra"], /positional/],
    [["--app", "Portal!", "--version", "1"], /--app "Portal!" is refused: expected a lowercase name/],
    [["--app", "portal", "--version", "../1"], /--version "..\/1" is refused: /],
    [["--app", "portal", "--version", "1", "--error-rate", "1.5"], /from 0 to 1/],
    [["--app", "portal", "--version", "1", "--error-rate", "lots"], /from 0 to 1/],
    [["--app", "portal", "--version", "1", "--commit", "xyz"], /--commit "xyz" is refused: /],
    [["--app", "portal", "--version", "1", "--url", "localhost:3000"], /not an http\(s\) address/],
  ])("refuses %j with a usage error", (argv, message) => {
    expect(() => parse(argv)).toThrow(UsageError);
    expect(() => parse(argv)).toThrow(message);
  });
});

describe("request bodies and errors", () => {
  const plan = parse(["--app", "portal", "--version", "1.6.0", "--commit", COMMIT]);
  const artifact = { url: "file:///abs/portal-1.6.0-abc.tar.gz", digest: `sha256:${"ab".repeat(32)}` };

  it("registers the build like CI and releases it by id", () => {
    expect(buildRequestBody(plan, artifact)).toEqual({
      app: "portal",
      version: "1.6.0",
      commit: COMMIT,
      branch: "develop",
      digest: artifact.digest,
      artifact: artifact.url,
      tests: { passed: true, total: 128, failed: 0 },
      changedFiles: [],
    });
    expect(releaseRequestBody(plan, "bld_1")).toEqual({ commit: COMMIT, branch: "develop", committedAt: plan.committedAt, builds: ["bld_1"] });
    expect(Number.isNaN(Date.parse(plan.committedAt))).toBe(false);
  });

  it("derives the idempotency key from the body", () => {
    const body = buildRequestBody(plan, artifact);
    expect(idempotencyKey(body)).toBe(idempotencyKey({ ...body }));
    expect(idempotencyKey(body)).not.toBe(idempotencyKey({ ...body, version: "1.6.1" }));
    expect(idempotencyKey(body)).toMatch(/^[\x21-\x7e]{1,255}$/);
  });

  it("explains the API's error shape", () => {
    const conflict = describeApiError(409, { error: { code: "version_exists", message: "portal 1.6.0 is already registered", fields: { version: "already registered" } } }, "the build");
    expect(conflict).toContain("409 version_exists");
    expect(conflict).toContain("version: already registered");
    expect(conflict).toContain("pick another --version");
    expect(describeApiError(401, { error: { code: "unauthenticated", message: "bad token" } }, "the build")).toContain("Settings → API tokens");
    expect(describeApiError(502, "<html>Bad gateway</html>", "the build")).toBe("Slipway answered 502 to the build: <html>Bad gateway</html>");
  });
});

describe("runDemoBuild against an API", () => {
  let tmp: string;
  let server: http.Server;
  let url: string;
  const requests: { path: string; headers: http.IncomingHttpHeaders; body: Record<string, unknown> }[] = [];
  let nextBuildAnswer: { status: number; body: unknown } | undefined;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-demo-build-"));
    server = http.createServer((req, res) => {
      let raw = "";
      req.on("data", (c: Buffer) => (raw += c.toString()));
      req.on("end", () => {
        requests.push({ path: req.url!, headers: req.headers, body: JSON.parse(raw) });
        const answer = req.url === "/api/v1/builds" ? (nextBuildAnswer ?? { status: 201, body: { id: "bld_42" } }) : { status: 201, body: { id: "rel_7" } };
        res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const capture = () => {
    const lines: string[] = [];
    return { lines, out: { log: (l: string) => lines.push(l), error: (l: string) => lines.push(`ERR ${l}`) } };
  };

  it("writes the artifact, registers the build with the demo token, cuts the release and prints its page", async () => {
    requests.length = 0;
    fs.writeFileSync(path.join(tmp, "demo-token"), "slw_demo\n");
    const { lines, out } = capture();
    const code = await runDemoBuild(["--app", "portal", "--version", "1.6.0", "--commit", COMMIT, "--faulty", "--url", url], { SLIPWAY_DATA_DIR: tmp }, out);
    expect(code).toBe(0);
    expect(requests.map((r) => r.path)).toEqual(["/api/v1/builds", "/api/v1/releases"]);
    const [build, release] = requests;
    expect(build!.headers.authorization).toBe("Bearer slw_demo");
    expect(build!.headers["idempotency-key"]).toMatch(/^demo-build-/);
    const artifactUrl = build!.body.artifact as string;
    expect(artifactUrl).toMatch(/^file:\/\/.*\.tar\.gz$/);
    const artifactPath = fileURLToPath(artifactUrl);
    expect(path.dirname(artifactPath)).toBe(path.join(tmp, "artifacts"));
    expect(build!.body.digest).toBe(`sha256:${createHash("sha256").update(fs.readFileSync(artifactPath)).digest("hex")}`);
    expect(zlib.gunzipSync(fs.readFileSync(artifactPath)).toString("utf8")).toContain('"errorRate":0.5');
    expect(release!.body).toEqual({ commit: COMMIT, branch: "develop", committedAt: expect.any(String), builds: ["bld_42"] });
    expect(lines).toContain(`open      ${url}/releases/rel_7`);
  });

  it("registers only the build with --no-release", async () => {
    requests.length = 0;
    const { out } = capture();
    expect(await runDemoBuild(["--app", "admin", "--version", "1.0.0", "--no-release", "--url", url, "--token", "t"], { SLIPWAY_DATA_DIR: tmp }, out)).toBe(0);
    expect(requests.map((r) => r.path)).toEqual(["/api/v1/builds"]);
  });

  it("exits 1 with the API's explanation when the version exists", async () => {
    nextBuildAnswer = { status: 409, body: { error: { code: "version_exists", message: "portal 1.6.0 is already registered." } } };
    const { lines, out } = capture();
    const code = await runDemoBuild(["--app", "portal", "--version", "1.6.0", "--url", url, "--token", "t"], { SLIPWAY_DATA_DIR: tmp }, out);
    nextBuildAnswer = undefined;
    expect(code).toBe(1);
    expect(lines.join("\n")).toMatch(/ERR Slipway refused the build portal 1\.6\.0 \(409 version_exists\)[\s\S]*pick another --version/);
  });

  it("writes no artifact when the API refuses the build", async () => {
    const dataDir = fs.mkdtempSync(path.join(tmp, "refused-"));
    nextBuildAnswer = { status: 409, body: { error: { code: "version_exists", message: "portal 7.0.0 is already registered." } } };
    const { out } = capture();
    const code = await runDemoBuild(["--app", "portal", "--version", "7.0.0", "--url", url, "--token", "t"], { SLIPWAY_DATA_DIR: dataDir }, out);
    nextBuildAnswer = undefined;
    expect(code).toBe(1);
    expect(fs.existsSync(path.join(dataDir, "artifacts"))).toBe(false);
  });

  it("refuses a branch, version, app or commit the API would refuse, before writing or sending anything", async () => {
    const dataDir = fs.mkdtempSync(path.join(tmp, "invalid-"));
    for (const [flag, value] of [
      ["--branch", "feature..x"],
      ["--branch", "has space"],
      ["--version", "1.0 beta"],
      ["--app", "Portal"],
      ["--commit", "xyz"],
    ] as const) {
      requests.length = 0;
      const { lines, out } = capture();
      const argv = ["--app", "portal", "--version", "8.0.0", "--url", url, "--token", "t"];
      const at = argv.indexOf(flag);
      if (at >= 0) argv[at + 1] = value;
      else argv.push(flag, value);
      expect(await runDemoBuild(argv, { SLIPWAY_DATA_DIR: dataDir }, out)).toBe(2);
      expect(lines.join("\n")).toContain(`${flag} "${value}" is refused: `);
      expect(requests).toEqual([]);
    }
    expect(fs.existsSync(path.join(dataDir, "artifacts"))).toBe(false);
  });

  it("exits 1 when Slipway cannot be reached, and 2 without a token", async () => {
    const { lines, out } = capture();
    expect(await runDemoBuild(["--app", "portal", "--version", "9.9.9", "--url", "http://127.0.0.1:1", "--token", "t"], { SLIPWAY_DATA_DIR: tmp }, out)).toBe(1);
    expect(lines.at(-1)).toContain("Cannot reach Slipway at http://127.0.0.1:1");
    const empty = fs.mkdtempSync(path.join(tmp, "empty-"));
    expect(await runDemoBuild(["--app", "portal", "--version", "9.9.9", "--url", url], { SLIPWAY_DATA_DIR: empty }, out)).toBe(2);
    expect(lines.at(-1)).toContain("Settings → API tokens");
  });

  it("runs as a command: usage errors exit 2", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/demo-build.ts", "--app", "portal"], { encoding: "utf8", timeout: 30_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("Usage: npm run demo:build");
  });
});
