import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * next-auth signs sessions with AUTH_SECRET. Without one in the environment, Slipway makes one on
 * first start and keeps it under the data directory (never in git), so sessions survive restarts.
 */
export function ensureAuthSecret(dataDir: string): void {
  if (process.env.AUTH_SECRET) return;
  const file = path.join(dataDir, "auth-secret");
  fs.mkdirSync(dataDir, { recursive: true });
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600 });
  process.env.AUTH_SECRET = fs.readFileSync(file, "utf8").trim();
}
