import fs from "node:fs";
import path from "node:path";
import type { Db } from "@/db/client";
import { systemActor } from "@/lib/auth/actor";
import { systemClock } from "@/lib/domain/clock";
import { createToken } from "@/lib/services/tokens";
import { findUserByEmail } from "@/lib/services/users";

export const DEMO_TOKEN_FILE = "demo-token";

/**
 * In demo mode, a CI token for the demo developer, kept in the data directory (never in git), so
 * `npm run demo:build` can register builds through the API the way a CI job would, with no set-up.
 */
export async function ensureDemoToken(db: Db, dataDir: string): Promise<string | null> {
  const file = path.join(dataDir, DEMO_TOKEN_FILE);
  if (fs.existsSync(file)) return file;
  const developer = await findUserByEmail(db, "developer@example.com");
  if (!developer) return null;
  const { token } = await createToken({ db, actor: systemActor("cli"), clock: systemClock }, { userId: developer.id, name: "demo-ci (npm run demo:build)" });
  fs.writeFileSync(file, token, { mode: 0o600 });
  return file;
}
