import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";

/** What a running router tells Slipway about itself, in `<dataDir>/platform/local/router/router.json` (mode 0600). */
export interface RouterInfo {
  pid: number;
  /** 127.0.0.1 port of its control API. */
  controlPort: number;
  /** Bearer token for the control API. */
  token: string;
  /** The state file it serves: tells one data directory's router from another's. */
  stateFile: string;
  startedAt: string;
}

/** The router's info, or null when there is none or it cannot be read (then a new router is started). */
export function readRouterInfo(file: string): RouterInfo | null {
  try {
    const info = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<RouterInfo>;
    if (!Number.isInteger(info.pid) || !Number.isInteger(info.controlPort) || typeof info.token !== "string" || typeof info.stateFile !== "string") return null;
    return info as RouterInfo;
  } catch {
    return null;
  }
}

/** Temp file and rename: a reader never sees half of it. */
export function writeRouterInfo(file: string, info: RouterInfo): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(temp, file);
}
