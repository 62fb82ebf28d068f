import fs from "node:fs";
import path from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { PlatformError } from "../types";

const DIGEST_PATTERN = /^sha256:([0-9a-f]{64})$/;

/** `sha256:<64 hex>` of `content`. */
export function sha256Digest(content: Buffer | string): string {
  return `sha256:${createHash("sha256").update(content).digest("hex")}`;
}

/** The 64 hex digits of a `sha256:` digest; a PlatformError (permanent) for anything else. */
export function digestHex(digest: string): string {
  const hex = DIGEST_PATTERN.exec(digest.toLowerCase())?.[1];
  if (!hex) throw new PlatformError(`Digest "${digest}" is not of the form sha256:<64 hex digits>`, true);
  return hex;
}

export interface FetchOptions {
  /** Refuse artifacts larger than this many bytes (default 1 GiB). */
  maxBytes?: number;
  /** Attempts for an http(s) URL before giving up (default 4). */
  attempts?: number;
  /** First wait between attempts in ms, doubled each time (default 500). */
  backoffMs?: number;
  /** Injected for tests; default global fetch. */
  fetch?: typeof fetch;
  /** Relative paths (legacy artifacts) resolve against this; default process.cwd(). */
  cwd?: string;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_MAX_ARTIFACT_BYTES = 1024 ** 3;

/** Where a file artifact lives: a file:// URL, or (as builds registered before tarballs did) a path. */
function localPath(artifact: string, cwd: string): string {
  if (!artifact.startsWith("file:")) return path.resolve(cwd, artifact);
  try {
    return fileURLToPath(artifact);
  } catch (error) {
    throw new PlatformError(`Artifact "${artifact}" is not a valid file:// URL: ${(error as Error).message}`, true);
  }
}

/** Counts and hashes bytes on their way to disk; fails once more than `maxBytes` went through. */
function meter(maxBytes: number, artifact: string) {
  const hash = createHash("sha256");
  let bytes = 0;
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) return done(new PlatformError(`Artifact ${artifact} is larger than ${maxBytes} bytes: refused`, true));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  return { transform, digest: () => `sha256:${hash.digest("hex")}` };
}

/**
 * Copies the artifact at `artifact` (file:// URL, absolute or relative path, http:// or https://
 * URL) to `target` (written whole or not at all) and returns the sha256 digest of its bytes.
 * http(s) failures (network errors, 5xx, 408, 429) are retried with exponential backoff; the last
 * error names the URL and fails the deployment. A missing file, a 4xx answer or an oversize artifact fail at once
 * (PlatformError with `permanent` set).
 */
export async function fetchArtifact(artifact: string, target: string, options: FetchOptions = {}): Promise<string> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ARTIFACT_BYTES;
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.${randomBytes(4).toString("hex")}.part`;
  try {
    const digest = /^https?:\/\//i.test(artifact) ? await download(artifact, temp, maxBytes, options) : await copyFile(localPath(artifact, options.cwd ?? process.cwd()), temp, maxBytes, artifact);
    await fs.promises.rename(temp, target);
    return digest;
  } finally {
    await fs.promises.rm(temp, { force: true });
  }
}

async function copyFile(source: string, temp: string, maxBytes: number, artifact: string): Promise<string> {
  let input: fs.ReadStream;
  try {
    const stat = await fs.promises.stat(source);
    if (!stat.isFile()) throw Object.assign(new Error("not a file"), { code: "EISDIR" });
    input = fs.createReadStream(source);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PlatformError(
      code === "ENOENT" || code === "EISDIR" ? `Artifact ${artifact} not found: no file at ${source}` : `Cannot read artifact ${artifact} (${source}): ${(error as Error).message}`,
      code === "ENOENT" || code === "EISDIR" || code === "EACCES",
    );
  }
  const m = meter(maxBytes, artifact);
  await pipeline(input, m.transform, fs.createWriteStream(temp, { mode: 0o444 }));
  return m.digest();
}

function retryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

async function download(url: string, temp: string, maxBytes: number, options: FetchOptions): Promise<string> {
  const attempts = Math.max(1, options.attempts ?? 4);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const get = options.fetch ?? fetch;
  let wait = options.backoffMs ?? 500;
  let last = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const response = await get(url, { redirect: "follow", signal: AbortSignal.timeout(5 * 60_000) });
      if (!response.ok || !response.body) {
        last = `HTTP ${response.status} ${response.statusText}`.trim();
        await response.body?.cancel();
        if (!retryable(response.status)) throw new PlatformError(`Cannot fetch artifact ${url}: ${last}`, true);
      } else {
        const declared = Number(response.headers.get("content-length"));
        if (Number.isFinite(declared) && declared > maxBytes) {
          await response.body.cancel();
          throw new PlatformError(`Artifact ${url} is larger than ${maxBytes} bytes (${declared}): refused`, true);
        }
        const m = meter(maxBytes, url);
        await pipeline(Readable.fromWeb(response.body as import("node:stream/web").ReadableStream), m.transform, fs.createWriteStream(temp, { mode: 0o444 }));
        return m.digest();
      }
    } catch (error) {
      if (error instanceof PlatformError && error.permanent) throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      last = cause?.code ? `${(error as Error).message} (${cause.code})` : (error as Error).message;
    }
    if (attempt < attempts) {
      await sleep(wait);
      wait *= 2;
    }
  }
  // Retried here already: the deployment fails now, naming the URL and the last error.
  throw new PlatformError(`Cannot fetch artifact ${url} after ${attempts} attempts: ${last}`, true);
}
