/**
 * `npm run apps:stop`: puts the local platform's data plane away — every app process, running
 * job and the router of SLIPWAY_DATA_DIR — while Slipway is stopped (it keeps them serving when it
 * stops or crashes). The next `npm start` starts them again from the recorded releases.
 */
import { DataDirLockedError, lockDataDir } from "@/db/data-dir-lock";
import { EnvError, env } from "@/lib/env";
import { LocalPlatform } from "@/lib/platform";

async function main() {
  const e = env();
  // Slipway holds this lock while it runs: stopping its apps under it would only start a fight.
  const release = lockDataDir(e.dataDir);
  try {
    const platform = new LocalPlatform({ dataDir: e.dataDir, portBase: e.SLIPWAY_LOCAL_PORT_BASE, log: (line) => console.log(line) });
    await platform.shutdown({ stopApps: true });
    console.log(`Stopped the local platform's apps and router of ${e.dataDir}.`);
  } finally {
    release();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof EnvError || error instanceof DataDirLockedError ? error.message : error);
  process.exit(1);
});
