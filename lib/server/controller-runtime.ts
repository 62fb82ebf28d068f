import type { Connection } from "@/db/client";
import { Controller } from "@/lib/controller/controller";
import { env } from "@/lib/env";
import { defaultScrapeTargetsFile } from "@/lib/metrics/scrape-targets";
import { createPlatformRegistry, type LocalPlatform } from "@/lib/platform";

/**
 * The controller with this installation's platforms (the local one: real processes behind stable
 * URLs served by the router, a process of its own). Stopping the controller leaves them serving;
 * `stop({ stopApps: true })` also stops the local platform's apps and router.
 */
export function createController(connection: Connection): Controller {
  const e = env();
  let local: LocalPlatform | null = null;
  return new Controller({
    connection,
    baseUrl: process.env.AUTH_URL ?? `http://localhost:${e.PORT}`,
    // Prometheus (beside Slipway, scripts/prometheus-config.ts) discovers the apps from this file.
    scrapeTargetsFile: defaultScrapeTargetsFile(e.dataDir),
    createPlatform: async () => {
      const created = await createPlatformRegistry({ local: { dataDir: e.dataDir, portBase: e.SLIPWAY_LOCAL_PORT_BASE, log: (line) => console.log(`[platform] ${line}`) } });
      local = created.local;
      return created.registry;
    },
    releasePlatforms: async (registry, { stopApps }) => {
      await registry.dispose();
      if (stopApps) await local?.shutdown({ stopApps: true });
    },
  });
}
