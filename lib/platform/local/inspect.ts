import type { InstanceLog } from "../types";
import { DEFAULT_LOG_CAP_BYTES } from "./logs";
import { LocalPaths } from "./paths";
import { isOurProcess } from "./processes";
import { appKey, loadState } from "./state";
import { instancesOf, logsOf, type LocalInstanceInfo, type ProcessView } from "./workers";

/** Whether a process with id `pid` runs (the Slipway that looks after a slot, `SlotRecord.restartedBy`). */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Read-only view of what the local platform runs, from its state file and logs on disk. It works
 * from any process on the machine (the web server when the controller runs apart), and never
 * starts, stops or adopts anything.
 */
export class LocalPlatformInspector {
  private readonly paths: LocalPaths;

  constructor(
    dataDir: string,
    private readonly host = "127.0.0.1",
    private readonly logCapBytes = DEFAULT_LOG_CAP_BYTES,
  ) {
    this.paths = new LocalPaths(dataDir);
  }

  private readonly view: ProcessView = {
    isRunning: (process, slot) => isOurProcess(process.pid, slot.storePath),
    address: (instance) => `http://${this.host}:${instance.port}`,
  };

  private record(environment: string, app: string) {
    return loadState(this.paths.stateFile).apps[appKey(environment, app)] ?? null;
  }

  /** Every process of the app (both slots, web and workers); [] when nothing runs. */
  async instances(environment: string, app: string): Promise<LocalInstanceInfo[]> {
    const record = this.record(environment, app);
    return record ? instancesOf(record, this.view, (slot) => slot.restartedBy !== undefined && processRuns(slot.restartedBy)) : [];
  }

  /** The last `tail` lines (1–1000) of each process's log; [] when nothing runs. */
  async logs(environment: string, app: string, tail: number): Promise<InstanceLog[]> {
    const record = this.record(environment, app);
    return record ? logsOf(record, Math.min(1000, Math.max(1, Math.floor(tail))), this.logCapBytes) : [];
  }
}
