import path from "node:path";
import { createHash } from "node:crypto";
import { PlatformError, type AppSpec } from "../types";

/** Environment, app and job names become directory and file names: keep them to one safe path segment. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function assertName(kind: string, value: string): void {
  if (!SAFE_NAME.test(value) || value.includes("..")) {
    throw new PlatformError(`The ${kind} name "${value}" cannot be used by the local platform: expected letters, digits, ".", "_" or "-"`, true);
  }
}

/** For file names built from ids we do not control (build ids). */
export function fileSafe(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 100) || "_";
}

export function assertSpec(spec: AppSpec): void {
  assertName("environment", spec.environment);
  assertName("app", spec.app);
  if (!Number.isInteger(spec.instances) || spec.instances < 1 || spec.instances > 64) {
    throw new PlatformError(`${spec.environment}/${spec.app}: instances must be a whole number from 1 to 64, got ${spec.instances}`, true);
  }
  for (const [type, count] of Object.entries(spec.workers ?? {})) {
    assertName("process type", type);
    if (!Number.isInteger(count) || count < 0 || count > 64) {
      throw new PlatformError(`${spec.environment}/${spec.app}: the ${type} count must be a whole number from 0 to 64, got ${count}`, true);
    }
  }
}

/** Same build with other config, sibling addresses or another instance count is another slot: it must be started again. */
export function configHash(spec: AppSpec): string {
  const config = Object.entries(spec.config).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const workers = Object.entries(spec.workers ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const siblings = Object.entries(spec.siblings ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // Without workers (or siblings) the hash stays what it was, so slots started before they existed are adopted.
  const shape = { config, instances: spec.instances, ...(workers.length > 0 ? { workers } : {}), ...(siblings.length > 0 ? { siblings } : {}) };
  return createHash("sha256").update(JSON.stringify(shape)).digest("hex").slice(0, 16);
}

/** Everything the local platform keeps lives under `<dataDir>/platform/local/`. */
export class LocalPaths {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = path.resolve(dataDir, "platform", "local");
  }

  get stateFile(): string {
    return path.join(this.root, "state.json");
  }

  /** The router's pid/control file and its log. */
  get routerDir(): string {
    return path.join(this.root, "router");
  }

  /** Fetched tarballs and unpacked, read-only releases, by digest (see ReleaseCache). */
  get cacheDir(): string {
    return path.join(this.root, "cache");
  }

  /** Shared by all instances and slots of an app, and by its jobs: it outlives deployments. */
  data(environment: string, app?: string): string {
    return app ? path.join(this.root, "data", environment, app) : path.join(this.root, "data", environment);
  }

  logs(environment: string, app?: string): string {
    return app ? path.join(this.root, "logs", environment, app) : path.join(this.root, "logs", environment);
  }
}
