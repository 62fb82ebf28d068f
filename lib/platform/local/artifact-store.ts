import fs from "node:fs";
import path from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { PlatformError, type ArtifactRef } from "../types";

const DIGEST_PATTERN = /^sha256:([0-9a-f]{64})$/;

export function sha256Digest(content: Buffer): string {
  return `sha256:${createHash("sha256").update(content).digest("hex")}`;
}

/** Where an artifact reference points: an absolute path, a path relative to `cwd`, or a file:// URL. */
export function resolveArtifactPath(artifact: string, cwd = process.cwd()): string {
  if (artifact.startsWith("file:")) {
    try {
      return fileURLToPath(artifact);
    } catch (error) {
      throw new PlatformError(`Artifact "${artifact}" is not a valid file:// URL: ${(error as Error).message}`, true);
    }
  }
  return path.resolve(cwd, artifact);
}

function describe(build: ArtifactRef): string {
  return `build ${build.buildId} (${build.app} ${build.version})`;
}

/**
 * Verified artifacts, stored by content: `<dir>/<hex>.mjs`. Processes run the stored copy, so what
 * runs is exactly what was verified, even if the original file changes or disappears later.
 */
export class ArtifactStore {
  constructor(readonly dir: string) {}

  pathFor(digest: string): string {
    const hex = DIGEST_PATTERN.exec(digest.toLowerCase())?.[1];
    if (!hex) throw new PlatformError(`Digest "${digest}" is not of the form sha256:<64 hex digits>`, true);
    return path.join(this.dir, `${hex}.mjs`);
  }

  /** Verifies `build`'s artifact against its digest, stores it, and returns the stored path. */
  async verifyAndStore(build: ArtifactRef, cwd = process.cwd()): Promise<string> {
    const stored = this.pathFor(build.digest);
    // Content-addressed: a stored copy that still hashes to the digest is the artifact, wherever the original went.
    if (await this.hashesTo(stored, build.digest)) return stored;

    if (!build.artifact) {
      throw new PlatformError(
        `${describe(build)} has no artifact: the local platform needs an artifact file path (absolute, relative to Slipway's working directory, or file://).`,
        true,
      );
    }
    const source = resolveArtifactPath(build.artifact, cwd);
    let content: Buffer;
    try {
      content = await fs.promises.readFile(source);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new PlatformError(
        code === "ENOENT" || code === "EISDIR"
          ? `Artifact of ${describe(build)} not found at ${source}: the local platform needs an artifact file path (absolute, relative to Slipway's working directory, or file://).`
          : `Cannot read the artifact of ${describe(build)} at ${source}: ${(error as Error).message}`,
        code === "ENOENT" || code === "EISDIR" || code === "EACCES",
      );
    }
    const actual = sha256Digest(content);
    if (actual !== build.digest.toLowerCase()) {
      throw new PlatformError(
        `Artifact ${source} does not match ${describe(build)}: expected digest ${build.digest}, the file has ${actual}. Refusing to run it.`,
        true,
      );
    }
    await fs.promises.mkdir(this.dir, { recursive: true });
    const temp = `${stored}.${randomBytes(4).toString("hex")}.tmp`;
    await fs.promises.writeFile(temp, content, { mode: 0o444 });
    await fs.promises.rename(temp, stored);
    return stored;
  }

  private async hashesTo(file: string, digest: string): Promise<boolean> {
    try {
      return sha256Digest(await fs.promises.readFile(file)) === digest.toLowerCase();
    } catch {
      return false;
    }
  }
}
