import { writeArtifact } from "@/lib/platform/local/artifact";

/**
 * The one place the demo decides how a build's artifact is referenced: a real sample-service
 * artifact written to `artifactsDir` (content-addressed, so writing it twice is harmless), and the
 * `artifact` and `digest` fields CI would send to registerBuild for it.
 */
export async function demoArtifact(artifactsDir: string, build: { app: string; version: string; commit: string; branch: string }): Promise<{ artifact: string; digest: string }> {
  const written = await writeArtifact(artifactsDir, build);
  return { artifact: written.url, digest: written.digest };
}
