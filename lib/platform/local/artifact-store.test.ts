import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { PlatformError, type ArtifactRef } from "../types";
import { ArtifactStore, resolveArtifactPath, sha256Digest } from "./artifact-store";
import { tempDir } from "./testing/helpers";

const dir = tempDir("store");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function artifact(name: string, content: string): ArtifactRef {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return { buildId: "b1", releaseId: "r1", app: "portal", version: "1.0.0", commit: "c".repeat(40), digest: sha256Digest(Buffer.from(content)), artifact: file };
}

function failure(promise: Promise<unknown>): Promise<PlatformError> {
  return promise.then(
    () => {
      throw new Error("expected a PlatformError");
    },
    (error: unknown) => error as PlatformError,
  );
}

describe("ArtifactStore", () => {
  const store = new ArtifactStore(path.join(dir, "store"));

  it("accepts absolute paths, paths relative to the working directory and file:// URLs", () => {
    expect(resolveArtifactPath("/a/b.mjs")).toBe("/a/b.mjs");
    expect(resolveArtifactPath("b.mjs", "/srv")).toBe("/srv/b.mjs");
    expect(resolveArtifactPath(pathToFileURL("/a/c d.mjs").href)).toBe("/a/c d.mjs");
  });

  it("stores a verified artifact under its digest, and keeps serving it if the original goes away", async () => {
    const build = artifact("ok.mjs", "console.log(1)\n");
    const stored = await store.verifyAndStore({ ...build, artifact: pathToFileURL(build.artifact!).href });
    expect(stored).toBe(path.join(dir, "store", `${build.digest.slice(7)}.mjs`));
    expect(fs.readFileSync(stored, "utf8")).toBe("console.log(1)\n");
    fs.rmSync(build.artifact!);
    expect(await store.verifyAndStore(build)).toBe(stored);
  });

  it("refuses a mismatch, naming both digests, and a missing or absent artifact, permanently", async () => {
    const build = artifact("tampered.mjs", "console.log(2)\n");
    const forged = { ...build, digest: sha256Digest(Buffer.from("something else")) };
    const mismatch = await failure(store.verifyAndStore(forged));
    expect(mismatch).toBeInstanceOf(PlatformError);
    expect(mismatch.permanent).toBe(true);
    expect(mismatch.message).toContain(forged.digest);
    expect(mismatch.message).toContain(build.digest);
    expect(fs.existsSync(store.pathFor(forged.digest))).toBe(false);

    const missing = await failure(store.verifyAndStore({ ...build, digest: forged.digest, artifact: path.join(dir, "nope.mjs") }));
    expect(missing.permanent).toBe(true);
    expect(missing.message).toMatch(/not found .*needs an artifact file path/);
    const none = await failure(store.verifyAndStore({ ...build, digest: forged.digest, artifact: null }));
    expect(none.message).toMatch(/needs an artifact file path/);
    await expect(store.verifyAndStore({ ...build, digest: "md5:abc" })).rejects.toThrow(/sha256:<64 hex digits>/);
  });
});
