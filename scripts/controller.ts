/**
 * `npm run controller`: the reconcile loop as its own process (production runs it apart from the
 * web servers, which then start with SLIPWAY_CONTROLLER=off). Several may run: one leads.
 */
import { openConnection } from "@/db/client";
import { DataDirLockedError } from "@/db/data-dir-lock";
import { migrateAsOwner } from "@/db/migrate";
import { EnvError, env } from "@/lib/env";
import { createController } from "@/lib/server/controller-runtime";
import { ensureSecretKey } from "@/lib/secrets";

async function main() {
  const e = env();
  ensureSecretKey(e.dataDir);
  const connection = await openConnection({ url: e.DATABASE_URL, dataDir: e.dataDir });
  await migrateAsOwner(connection);
  const controller = createController(connection);
  controller.start();
  console.log(`[controller] started as ${controller.holder} on ${e.DATABASE_URL ? "PostgreSQL" : e.dataDir}; waiting to lead`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[controller] ${signal}: stopping${env().stopAppsOnExit ? " (and the apps it started)" : "; the apps keep serving"}`);
    await controller.stop({ stopApps: env().stopAppsOnExit }).catch((error: unknown) => console.error(error));
    await connection.close().catch(() => {});
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  if (error instanceof DataDirLockedError) {
    console.error(`${error.message}\nOn the embedded database the controller runs inside \`npm start\`; run it apart only with DATABASE_URL.`);
  } else if (error instanceof EnvError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
