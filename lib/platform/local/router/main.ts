/**
 * The local platform's router as its own process (started detached by RouterClient):
 *   node --import tsx lib/platform/local/router/main.ts <state file> <info file>
 * It serves every app's stable port from the state file until told to stop (SIGTERM or
 * POST /shutdown), and exits by itself when its data directory disappears or another router
 * takes over, so a deleted test directory never leaves it behind.
 */
import { Router } from "./router";

const [stateFile, infoFile] = process.argv.slice(2);
if (!stateFile || !infoFile) {
  console.error("usage: main.ts <state file> <info file>");
  process.exit(2);
}

const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
const router = new Router({ stateFile, infoFile, host: "127.0.0.1", log });

let stopping = false;
async function stop(reason: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log(`router: stopping (${reason})`);
  await router.close().catch(() => {});
  process.exit(0);
}

process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
// Slipway's terminal may close: the data plane stays.
process.on("SIGHUP", () => {});

router
  .start()
  .then((info) => {
    log(`router: pid ${info.pid}, control port ${info.controlPort}, serving ${stateFile}`);
    setInterval(() => {
      if (!router.stillOwnsInfo()) void stop("its data directory is gone or another router took over");
    }, 2000);
  })
  .catch((error: unknown) => {
    console.error(`router: cannot start: ${(error as Error).message}`);
    process.exit(1);
  });
