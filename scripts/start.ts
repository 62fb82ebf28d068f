/**
 * `npm start`: validate, build when needed, migrate, load slipway.yaml and demo data, then serve
 * Slipway at http://localhost:3000. `npm run dev` does the same with Next's dev server.
 */
import { EnvError, env } from "@/lib/env";
import { DataDirLockedError } from "@/db/data-dir-lock";
import { StartupError, prepare, serve } from "@/lib/server/boot";
import { startBanner } from "@/lib/server/start-banner";
import { createController } from "@/lib/server/controller-runtime";
import { serveCliCommands } from "@/lib/server/cli-commands";

const dev = process.argv.includes("--dev");
if (!dev) (process.env as Record<string, string>).NODE_ENV = "production";

async function main() {
  const { connection, demoData } = await prepare({ build: !dev });
  const { server, url } = await serve({ dev });
  // The controller runs here unless production runs it as its own process (npm run controller).
  const controller = env().controller ? createController(connection) : null;
  controller?.start();
  // On the embedded database this process alone may open .data/: the CLIs reach it through this channel.
  const stopCliChannel = env().DATABASE_URL ? null : await serveCliCommands(env().dataDir, connection);
  // The apps outlive Slipway by design (the data plane keeps serving): say how to stop them too.
  const appsOutlive = controller !== null && !env().stopAppsOnExit;
  const e = env();
  const oidc = e.oidcConfigured ? { name: e.SLIPWAY_OIDC_NAME, issuer: e.SLIPWAY_OIDC_ISSUER } : null;
  console.log(startBanner({ url, oidc, demoData, data: e.DATABASE_URL ? "PostgreSQL (DATABASE_URL)" : e.dataDir, appsOutlive }));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const keepApps = controller !== null && !env().stopAppsOnExit;
    console.log(`[slipway] ${signal}: stopping…` + (keepApps ? "\n[slipway] The apps keep serving at their URLs (the data plane outlives Slipway); `npm run apps:stop` stops them, or start with SLIPWAY_STOP_APPS_ON_EXIT=1." : ""));
    server.close();
    await stopCliChannel?.().catch(() => {});
    // The apps and the router keep serving (the data plane outlives Slipway) unless asked otherwise.
    await controller?.stop({ stopApps: env().stopAppsOnExit }).catch((error: unknown) => console.error("[slipway] stopping the controller:", error));
    await connection.close().catch(() => {});
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  if (error instanceof StartupError || error instanceof EnvError || error instanceof DataDirLockedError) {
    console.error(`\n${error.message}\n`);
  } else {
    console.error(error);
  }
  process.exit(1);
});
