import type { AppStatus } from "../types";
import type { RouterStatus } from "./router/router";
import type { LocalSlotStatus, SlotProcesses } from "./slots";
import { appKey, type AppRecord } from "./state";

/** The shared AppStatus, with the local platform's process ids on its instances. */
export type LocalAppStatus = Omit<AppStatus, "active" | "standby"> & { active: LocalSlotStatus | null; standby: LocalSlotStatus | null };

/**
 * What the platform reports about an app: its record as it is now, whether each instance runs
 * (`slots`), its URL on `publicHost`, and when the router last passed it a request (`routes`; null
 * when the router does not answer, or before init).
 */
export function appStatusOf(record: AppRecord, slots: SlotProcesses, routes: RouterStatus | null, publicHost: string): LocalAppStatus {
  return {
    environment: record.environment,
    app: record.app,
    url: `http://${publicHost}:${record.port}`,
    active: slots.toStatus(record.active),
    standby: slots.toStatus(record.standby),
    maintenance: record.maintenance !== null,
    standbyShare: record.standbyShare ?? 0,
    asleep: record.asleep ?? false,
    lastRequestAt: routes?.apps[appKey(record.environment, record.app)]?.lastRequestAt ?? null,
  };
}
