import fs from "node:fs/promises";
import path from "node:path";
import type { AppStatus, PlatformAdapter, SlotStatus } from "@/lib/platform/types";

/**
 * One group of Prometheus file-based service discovery (`file_sd_configs`): the `host:port` of
 * each instance and the labels Prometheus attaches to every series scraped from it.
 */
export interface ScrapeTargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/**
 * The labels Slipway puts on every instance it runs (and that the default PromQL queries select on):
 * `environment`, `app`, `release` (release id), `build`, `version`, `slot` (`active` or `standby`),
 * `slipway_instance` (the platform's instance id). `__scheme__` and `__metrics_path__` are set when
 * the instance's address is https or has a path, so Prometheus scrapes `<address>/metrics`.
 */
export const SCRAPE_TARGET_LABELS = ["environment", "app", "release", "build", "version", "slot", "slipway_instance"] as const;

function groupsOfSlot(status: AppStatus, slotName: "active" | "standby", slot: SlotStatus): ScrapeTargetGroup[] {
  return slot.instances
    .filter((instance) => instance.running)
    .flatMap((instance) => {
      let address: URL;
      try {
        address = new URL(instance.address);
      } catch {
        return []; // an address Prometheus could not scrape either; the platform reports it elsewhere
      }
      const labels: Record<string, string> = {
        environment: status.environment,
        app: status.app,
        release: slot.releaseId,
        build: slot.buildId,
        version: slot.version,
        slot: slotName,
        slipway_instance: instance.id,
      };
      if (address.protocol === "https:") labels.__scheme__ = "https";
      const base = address.pathname.replace(/\/+$/, "");
      if (base) labels.__metrics_path__ = `${base}/metrics`;
      return [{ targets: [address.host], labels }];
    });
}

/**
 * The file_sd groups for everything the platforms report as running: one group per running
 * instance of each slot, sorted (environment, app, slot, instance) so the file only changes when
 * what runs changes. Asleep apps and stopped instances have none.
 */
export function scrapeTargetGroups(statuses: readonly AppStatus[]): ScrapeTargetGroup[] {
  const groups = statuses.flatMap((status) => [...(status.active ? groupsOfSlot(status, "active", status.active) : []), ...(status.standby ? groupsOfSlot(status, "standby", status.standby) : [])]);
  const key = (g: ScrapeTargetGroup) => [g.labels.environment, g.labels.app, g.labels.slot, g.labels.slipway_instance, g.targets[0]].join("\u0000");
  return groups.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * Writes `content` to `file` atomically (a temporary file in the same directory, then rename), so
 * Prometheus never reads half a file. Creates the directory. Throws the file system's error.
 */
export async function writeFileAtomically(file: string, content: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    await fs.writeFile(tmp, content, "utf8");
    await fs.rename(tmp, file);
  } catch (error) {
    await fs.rm(tmp, { force: true });
    throw error;
  }
}

/**
 * Keeps a Prometheus file_sd targets file (JSON, e.g. `.data/prometheus/targets.json`) in step
 * with what the platforms run, read through the neutral `inventory()` of each adapter. Called by
 * the controller where it samples health.
 */
export class ScrapeTargetsFile {
  private written: string | null = null;

  constructor(
    readonly file: string,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /**
   * Reads every adapter's inventory and rewrites the file when the targets changed. Returns the
   * number of groups written, or null when nothing changed or it failed. Never throws: an adapter
   * whose inventory fails leaves the file as it is (its targets would otherwise vanish from
   * Prometheus), and that or a failed write is logged and tried again at the next call.
   */
  async sync(adapters: readonly Pick<PlatformAdapter, "name" | "inventory">[]): Promise<number | null> {
    const statuses: AppStatus[] = [];
    for (const adapter of adapters) {
      try {
        statuses.push(...(await adapter.inventory()));
      } catch (error) {
        this.log(`prometheus targets: ${adapter.name} inventory failed, ${this.file} left as it was: ${(error as Error).message}`);
        return null;
      }
    }
    const groups = scrapeTargetGroups(statuses);
    const content = `${JSON.stringify(groups, null, 2)}\n`;
    if (content === this.written) return null;
    try {
      await writeFileAtomically(this.file, content);
    } catch (error) {
      this.log(`prometheus targets: could not write ${this.file}: ${(error as Error).message}`);
      return null;
    }
    this.written = content;
    return groups.length;
  }
}

/** Where the controller writes the targets file under a data directory: `<dataDir>/prometheus/targets.json`. */
export const defaultScrapeTargetsFile = (dataDir: string): string => path.join(dataDir, "prometheus", "targets.json");
