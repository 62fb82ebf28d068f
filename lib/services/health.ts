import { sql } from "drizzle-orm";
import { getConnection } from "@/db/client";
import { controllerLeases } from "@/db/schema";
import type { Clock } from "@/lib/domain/clock";

/** A leader heartbeat older than this means no controller is advancing deployments. */
export const LEADER_STALE_AFTER_MS = 30_000;

export interface SlipwayHealth {
  status: "ok" | "degraded";
  database: { ok: boolean; driver: "pglite" | "pg" | null; latencyMs: number | null; error?: string };
  controller: { leaderSeen: boolean; holder: string | null; heartbeatAt: string | null };
  time: string;
}

/** Liveness of Slipway itself: the database answers, and a controller leader was seen recently. */
export async function checkHealth(clock: Clock): Promise<SlipwayHealth> {
  const now = clock.now();
  const controller: SlipwayHealth["controller"] = { leaderSeen: false, holder: null, heartbeatAt: null };
  try {
    const connection = await getConnection();
    const started = performance.now();
    await connection.db.execute(sql`select 1`);
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    const [lease] = await connection.db.select().from(controllerLeases).limit(1);
    if (lease) {
      controller.holder = lease.holder;
      controller.heartbeatAt = lease.heartbeatAt.toISOString();
      controller.leaderSeen = now.getTime() - lease.heartbeatAt.getTime() < LEADER_STALE_AFTER_MS;
    }
    return {
      status: controller.leaderSeen ? "ok" : "degraded",
      database: { ok: true, driver: connection.driver, latencyMs },
      controller,
      time: now.toISOString(),
    };
  } catch (error) {
    return {
      status: "degraded",
      database: { ok: false, driver: null, latencyMs: null, error: (error as Error).message.split("\n")[0]! },
      controller,
      time: now.toISOString(),
    };
  }
}
