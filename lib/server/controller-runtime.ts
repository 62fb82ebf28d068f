import type { Connection } from "@/db/client";
import { Controller } from "@/lib/controller/controller";
import { env } from "@/lib/env";
import { createPlatform } from "@/lib/platform";

/** The controller with this installation's platform (the local one: real processes behind stable URLs). */
export function createController(connection: Connection): Controller {
  const e = env();
  return new Controller({
    connection,
    baseUrl: process.env.AUTH_URL ?? `http://localhost:${e.PORT}`,
    createPlatform: async () => {
      const platform = createPlatform({ kind: "local", dataDir: e.dataDir, portBase: e.SLIPWAY_LOCAL_PORT_BASE, log: (line) => console.log(`[platform] ${line}`) });
      await platform.init();
      return platform;
    },
  });
}
