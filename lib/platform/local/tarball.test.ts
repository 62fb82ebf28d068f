import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import zlib from "node:zlib";
import { pathToFileURL } from "node:url";
import * as tar from "tar";
import { afterAll, describe, expect, it } from "vitest";
import { PlatformError, type ArtifactRef } from "../types";
import { sha256Digest } from "./artifact-fetch";
import { packFiles } from "./pack";
import { parseProcfile, ProcfileError } from "./procfile";
import { ReleaseCache } from "./release-cache";
import { removeTempDir, tempDir } from "./testing/helpers";

const root = tempDir("tarball");
const cacheRoot = path.join(root, "data", "cache");
afterAll(() => removeTempDir(root));

let n = 0;
function build(file: string, digest = sha256Digest(fs.readFileSync(file))): ArtifactRef {
  n++;
  return { buildId: `bld_${n}`, releaseId: `rel_${n}`, app: "portal", version: `1.0.${n}`, commit: "a".repeat(40), digest, artifact: pathToFileURL(file).href };
}

/** A gzipped tarball made with the tar library from raw entries (paths and links exactly as given). */
function rawTarball(name: string, entries: { path: string; type?: "File" | "SymbolicLink" | "Link" | "Directory"; body?: string; linkpath?: string; size?: number }[]): string {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? "");
    const header = new tar.Header({ path: entry.path, type: entry.type ?? "File", size: entry.size ?? (entry.type && entry.type !== "File" ? 0 : body.length), mode: 0o644, mtime: new Date(0), linkpath: entry.linkpath });
    const block = Buffer.alloc(512);
    header.encode(block, 0);
    blocks.push(block);
    if ((entry.type ?? "File") === "File" && entry.size === undefined) {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  const file = path.join(root, name);
  fs.writeFileSync(file, zlib.gzipSync(Buffer.concat(blocks)));
  return file;
}

const PROCFILE = { path: "Procfile", body: "web: node server.js\n" };

/** What the cache kept that is not a verified, unpacked release: half-written files, refused tarballs. */
function leftovers(): string[] {
  if (!fs.existsSync(cacheRoot)) return [];
  const all = fs.readdirSync(cacheRoot, { recursive: true }).map(String);
  const released = new Set(fs.existsSync(path.join(cacheRoot, "releases")) ? fs.readdirSync(path.join(cacheRoot, "releases")) : []);
  return all.filter((p) => /\.(tmp|part)($|\/)/.test(p) || (/^tarballs\/[0-9a-f]{64}\.tar\.gz$/.test(p) && !released.has(p.slice(9, 73))));
}

async function refusal(ref: ArtifactRef, cache = new ReleaseCache(cacheRoot)): Promise<PlatformError> {
  const error = await cache.prepare(ref).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PlatformError);
  expect((error as PlatformError).permanent).toBe(true);
  expect((error as Error).message).toContain(`build ${ref.buildId} (portal ${ref.version})`);
  expect(leftovers()).toEqual([]);
  return error as PlatformError;
}

describe("parseProcfile", () => {
  it("reads types and commands, skipping blanks and comments", () => {
    const procfile = parseProcfile("# app\nweb: node server.js --port $PORT\n\nworker:   node worker.js\nrelease: node migrate.js\r\n");
    expect([...procfile]).toEqual([
      ["web", "node server.js --port $PORT"],
      ["worker", "node worker.js"],
      ["release", "node migrate.js"],
    ]);
  });

  it("names the line of every problem", () => {
    expect(() => parseProcfile("worker: node w.js\n")).toThrow(/has no "web:" line/);
    expect(() => parseProcfile("web: a\nweb: b\n")).toThrow(/line 2: process type "web" is defined twice/);
    expect(() => parseProcfile("web node server.js\n")).toThrow(/line 1 is not "<type>: <command>"/);
    expect(() => parseProcfile("web: a\nworker:\n")).toThrow(/line 2: process type "worker" has no command/);
    expect(() => parseProcfile("web: a\nwo.rk: b\n")).toThrow(ProcfileError);
  });
});

describe("ReleaseCache: a good tarball", () => {
  it("verifies, unpacks once into a read-only release directory, and reuses it", async () => {
    const packed = packFiles(path.join(root, "good.tar.gz"), { Procfile: "web: node server.js\nworker: node worker.js\n", "server.js": "//", "lib/util.js": "//" });
    const ref = build(packed.path, packed.digest);
    const cache = new ReleaseCache(cacheRoot);
    const release = await cache.prepare(ref);
    expect(release.dir).toBe(path.join(cacheRoot, "releases", packed.digest.slice(7)));
    expect(release.procfile.get("worker")).toBe("node worker.js");
    expect(fs.readFileSync(path.join(release.dir, "lib", "util.js"), "utf8")).toBe("//");
    expect(fs.statSync(release.dir).mode & 0o222).toBe(0);
    expect(fs.statSync(path.join(release.dir, "lib", "util.js")).mode & 0o222).toBe(0);
    // The original may go away: the cache has what was verified.
    fs.rmSync(packed.path);
    expect((await cache.prepare(ref)).dir).toBe(release.dir);
  });

  it("runs an app's CommonJS even when the data directory sits under an ES-module package (Slipway's own checkout)", async () => {
    const enclosing = path.join(root, "esm-checkout");
    fs.mkdirSync(enclosing, { recursive: true });
    fs.writeFileSync(path.join(enclosing, "package.json"), JSON.stringify({ type: "module" }));
    const packed = packFiles(path.join(root, "cjs.tar.gz"), { Procfile: "web: node server.js\n", "server.js": 'const os = require("node:os"); console.log(typeof os.hostname);' });
    const release = await new ReleaseCache(path.join(enclosing, ".data", "cache")).prepare(build(packed.path, packed.digest));
    const run = spawnSync(process.execPath, ["server.js"], { cwd: release.dir, encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("function");
  });

  it("accepts an npm-pack style tarball whose app sits in one top directory", async () => {
    const file = rawTarball("nested.tar.gz", [
      { path: "package/", type: "Directory" },
      { path: "package/Procfile", body: "web: node index.js\n" },
      { path: "package/index.js", body: "//" },
    ]);
    const release = await new ReleaseCache(cacheRoot).prepare(build(file));
    expect(fs.readdirSync(release.dir).sort()).toEqual(["Procfile", "index.js"]);
  });
});

describe("ReleaseCache: bad artifacts fail the deployment, name the problem, start and leave nothing", () => {
  it("a digest mismatch, with both digests in the message", async () => {
    const packed = packFiles(path.join(root, "mismatch.tar.gz"), { Procfile: "web: x\n" });
    const claimed = `sha256:${"0".repeat(64)}`;
    const error = await refusal(build(packed.path, claimed));
    expect(error.message).toContain(claimed);
    expect(error.message).toContain(packed.digest);
    expect(fs.existsSync(path.join(cacheRoot, "releases", "0".repeat(64)))).toBe(false);
  });

  it("a file that is not gzip", async () => {
    const file = path.join(root, "plain.tar.gz");
    fs.writeFileSync(file, "web: node server.js\n");
    expect((await refusal(build(file))).message).toMatch(/is not a gzip-compressed tarball/);
  });

  it("gzip that is not a tar archive", async () => {
    const file = path.join(root, "notar.tar.gz");
    fs.writeFileSync(file, zlib.gzipSync(Buffer.from("just text, no tar headers here\n".repeat(40))));
    expect((await refusal(build(file))).message).toMatch(/is not a valid gzip-compressed tar archive \(TAR_ENTRY_INVALID: checksum failure\)/);
  });

  it("no Procfile", async () => {
    const file = rawTarball("noprocfile.tar.gz", [{ path: "server.js", body: "//" }]);
    expect((await refusal(build(file))).message).toMatch(/has no Procfile/);
  });

  it("a Procfile without web:", async () => {
    const file = rawTarball("noweb.tar.gz", [{ path: "Procfile", body: "worker: node w.js\n" }]);
    expect((await refusal(build(file))).message).toMatch(/has a bad Procfile: Procfile has no "web:" line/);
  });

  it("an absolute path", async () => {
    const file = rawTarball("absolute.tar.gz", [PROCFILE, { path: "/tmp/slipway-escape.txt", body: "x" }]);
    expect((await refusal(build(file))).message).toMatch(/contains an absolute path \("\/tmp\/slipway-escape.txt"\)/);
    expect(fs.existsSync("/tmp/slipway-escape.txt")).toBe(false);
  });

  it("a .. entry", async () => {
    const file = rawTarball("dotdot.tar.gz", [PROCFILE, { path: "../../escape.txt", body: "x" }]);
    expect((await refusal(build(file))).message).toMatch(/contains a "\.\." entry/);
    expect(fs.existsSync(path.join(cacheRoot, "..", "escape.txt"))).toBe(false);
  });

  it("a symbolic link that leaves the directory", async () => {
    const file = rawTarball("symlink.tar.gz", [PROCFILE, { path: "etc", type: "SymbolicLink", linkpath: "../../../etc" }]);
    expect((await refusal(build(file))).message).toMatch(/contains a link that leaves its directory \("etc" → "\.\.\/\.\.\/\.\.\/etc"\)/);
    const absolute = rawTarball("symlink-abs.tar.gz", [PROCFILE, { path: "passwd", type: "SymbolicLink", linkpath: "/etc/passwd" }]);
    expect((await refusal(build(absolute))).message).toMatch(/link that leaves its directory/);
  });

  it("a hard link that leaves the directory", async () => {
    const file = rawTarball("hardlink.tar.gz", [PROCFILE, { path: "shadow", type: "Link", linkpath: "../outside" }]);
    expect((await refusal(build(file))).message).toMatch(/link that leaves its directory/);
  });

  it("more than the size cap once unpacked", async () => {
    const file = rawTarball("big.tar.gz", [PROCFILE, { path: "blob.bin", body: "x".repeat(4096) }]);
    const error = await refusal(build(file), new ReleaseCache(cacheRoot, { maxUnpackedBytes: 2048 }));
    expect(error.message).toMatch(/unpacks past the size cap of 2048 bytes/);
  });

  it("a build without an artifact, and an artifact file that is missing", async () => {
    const missing = build(path.join(root, "nowhere.tar.gz"), `sha256:${"1".repeat(64)}`);
    expect((await refusal(missing)).message).toMatch(/not found: no file at .*nowhere\.tar\.gz/);
    expect((await refusal({ ...missing, artifact: null })).message).toMatch(/has no artifact/);
  });
});

describe("ReleaseCache over http(s)", () => {
  it("downloads once, retries failures with backoff, and names the URL when it gives up", async () => {
    const packed = packFiles(path.join(root, "served.tar.gz"), { Procfile: "web: node server.js\n", "server.js": "//" });
    let requests = 0;
    let failFirst = 2;
    const server = http.createServer((req, res) => {
      requests++;
      if (req.url === "/flaky.tar.gz" && failFirst-- > 0) return void res.writeHead(503).end("busy");
      if (req.url === "/flaky.tar.gz") return void res.writeHead(200).end(fs.readFileSync(packed.path));
      res.writeHead(404).end("no such artifact");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    try {
      const cache = new ReleaseCache(cacheRoot, { sleep, backoffMs: 10 });
      const ref = { ...build(packed.path, packed.digest), artifact: `${base}/flaky.tar.gz` };
      const release = await cache.prepare(ref);
      expect(release.procfile.get("web")).toBe("node server.js");
      expect(requests).toBe(3);
      expect(waits).toEqual([10, 20]);
      await cache.prepare(ref);
      expect(requests).toBe(3); // fetched once

      const missing = { ...build(packed.path, `sha256:${"2".repeat(64)}`), artifact: `${base}/missing.tar.gz` };
      expect((await refusal(missing, cache)).message).toContain(`Cannot fetch artifact ${base}/missing.tar.gz: HTTP 404`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    // Nothing listens there any more: every attempt fails, then the deployment does.
    waits.length = 0;
    const unreachable = { ...build(packed.path, `sha256:${"3".repeat(64)}`), artifact: `${base}/gone.tar.gz` };
    const error = await refusal(unreachable, new ReleaseCache(cacheRoot, { sleep, backoffMs: 10, attempts: 3 }));
    expect(error.message).toMatch(new RegExp(`Cannot fetch artifact ${base}/gone.tar.gz after 3 attempts: .*ECONNREFUSED`));
    expect(waits).toEqual([10, 20]);
  });
});
