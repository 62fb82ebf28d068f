import fs from "node:fs";
import path from "node:path";
import { PlatformError, type ArtifactRef } from "../types";
import { digestHex, fetchArtifact, type FetchOptions } from "./artifact-fetch";
import { KeyedMutex } from "./mutex";
import { readProcfile, unpackRelease, type Release } from "./tarball";

export interface ReleaseCacheOptions extends FetchOptions {
  /** Unpacked size cap in bytes (default 1 GiB). */
  maxUnpackedBytes?: number;
}

/**
 * A `package.json` with no fields above the unpacked releases: Node looks for the nearest
 * package.json above a script to decide whether `.js` is CommonJS or an ES module, and without
 * this it found whatever encloses the data directory — Slipway's own (`"type": "module"`) when the
 * data directory is inside a checkout — so an app's `require` failed. An app's own package.json
 * still decides for it. Idempotent.
 */
async function writePackageBoundary(releasesDir: string): Promise<void> {
  const file = path.join(releasesDir, "package.json");
  if (!fs.existsSync(file)) await fs.promises.writeFile(file, `${JSON.stringify({ "//": "Written by Slipway: apps unpacked here take no settings from a package.json further up." })}\n`);
}

export function describeBuild(build: Pick<ArtifactRef, "buildId" | "app" | "version">): string {
  return `build ${build.buildId} (${build.app} ${build.version})`;
}

/**
 * Releases by content, under `<root>`: `tarballs/<hex>.tar.gz` (the fetched bytes) and
 * `releases/<hex>/` (unpacked, read-only). A build is fetched once; its digest is verified before
 * anything is unpacked, and a release directory exists only complete. Everything the platform
 * writes for an artifact stays under `<root>`.
 */
export class ReleaseCache {
  private readonly mutex = new KeyedMutex();

  constructor(
    readonly root: string,
    private readonly options: ReleaseCacheOptions = {},
  ) {}

  releaseDir(digest: string): string {
    return path.join(this.root, "releases", digestHex(digest));
  }

  /**
   * The unpacked release of `build`: fetched, verified and unpacked on first use, reused after.
   * Throws PlatformError: permanent for a missing artifact, a digest mismatch (both digests in
   * the message), a bad tarball or Procfile; after retries for an unreachable URL.
   */
  prepare(build: ArtifactRef): Promise<Release> {
    const hex = digestHex(build.digest);
    return this.mutex.run(hex, async () => {
      const label = describeBuild(build);
      const dir = this.releaseDir(build.digest);
      await fs.promises.mkdir(path.dirname(dir), { recursive: true });
      await writePackageBoundary(path.dirname(dir)); // releases unpacked before it existed get it too
      if (fs.existsSync(dir)) return { dir, procfile: await readProcfile(dir, label) };
      if (!build.artifact) {
        throw new PlatformError(`${label} has no artifact: register the build with "artifact" set to the file:// or http(s):// URL of its gzipped tarball`, true);
      }
      const tarball = path.join(this.root, "tarballs", `${hex}.tar.gz`);
      try {
        const actual = await fetchArtifact(build.artifact, tarball, this.options);
        if (actual !== `sha256:${hex}`) {
          throw new PlatformError(`The artifact ${build.artifact} of ${label} does not match its digest: expected ${build.digest}, fetched bytes have ${actual}. Nothing was unpacked or started.`, true);
        }
        return await unpackRelease(tarball, dir, { label, maxUnpackedBytes: this.options.maxUnpackedBytes });
      } catch (error) {
        // A refused tarball is not kept: the cache holds only what verified and unpacked.
        await fs.promises.rm(tarball, { force: true });
        if (error instanceof PlatformError && !error.message.includes(label)) throw new PlatformError(`${label}: ${error.message}`, error.permanent);
        throw error;
      }
    });
  }
}
