import fs from "node:fs";
import path from "node:path";
import type { LocalPaths } from "./paths";

/**
 * Gives `environment` a copy of each app's data from `source` (a review environment starts with
 * its source's data; later changes never flow back), or only of `apps` when given (a partial
 * review environment: the source serves the others, with their data). Apps already cloned are
 * left alone, so a retried provision keeps what the review environment has changed since.
 */
export async function cloneAppData(paths: LocalPaths, environment: string, source: string, apps?: readonly string[]): Promise<void> {
  const target = paths.data(environment);
  await fs.promises.mkdir(target, { recursive: true });
  const entries = await fs.promises.readdir(paths.data(source), { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory() || (apps && !apps.includes(entry.name))) continue;
    const destination = path.join(target, entry.name);
    if (fs.existsSync(destination)) continue;
    // Copy beside, then rename: a crash mid-copy leaves no half-cloned directory that looks done.
    const temp = path.join(target, `.${entry.name}.cloning-${process.pid}`);
    await fs.promises.rm(temp, { recursive: true, force: true });
    await fs.promises.cp(path.join(paths.data(source), entry.name), temp, { recursive: true });
    await fs.promises.rename(temp, destination);
  }
}

export async function removeEnvironmentFiles(paths: LocalPaths, environment: string): Promise<void> {
  await fs.promises.rm(paths.data(environment), { recursive: true, force: true });
  await fs.promises.rm(paths.logs(environment), { recursive: true, force: true });
}
