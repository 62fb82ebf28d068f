import { eq, sql } from "drizzle-orm";
import type { Connection } from "@/db/client";
import { auditEvents, freezes, incidents } from "@/db/schema";
import { gatesSchema } from "@/lib/config/gates-schema";
import { fixedClock } from "@/lib/domain/clock";
import { testPipelineConfig } from "@/lib/testing/fixtures";
import { syncPipeline } from "../pipeline-sync";

/** Shared by the freeze/incident service tests and the incident webhook route's tests. */
export const NOW = "2026-03-02T10:00:00Z";
export const at = (iso: string) => new Date(iso);

/** The e2e pipeline, with two freezes in prod's slipway.yaml: the recurring year-end one and a one-off around NOW. */
export async function loadPipelineWithFreezes(connection: Connection) {
  const { config, hash } = testPipelineConfig();
  const prod = config.environments.find((e) => e.name === "prod")!;
  prod.gates.freezes = gatesSchema.parse({
    freezes: [
      { name: "year-end", reason: "Year-end trading peak and holidays", rrule: "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=22", duration: "14d", timezone: "Europe/Berlin" },
      { name: "data-centre move", reason: "Moving racks", start: "2026-03-01T00:00:00Z", end: "2026-03-03T00:00:00Z" },
    ],
  }).freezes;
  await syncPipeline(connection.db, fixedClock("2026-01-01T00:00:00Z"), config, `${hash}-with-freezes`);
}

export async function counts(connection: Connection) {
  const [f] = await connection.db.select({ n: sql<number>`count(*)::int` }).from(freezes);
  const [i] = await connection.db.select({ n: sql<number>`count(*)::int` }).from(incidents);
  const [a] = await connection.db
    .select({ n: sql<number>`count(*)::int` })
    .from(auditEvents)
    .where(sql`${auditEvents.outcome} = 'allowed'`);
  return { freezes: f!.n, incidents: i!.n, audit: a!.n };
}

export async function auditFor(connection: Connection, targetId: string) {
  return connection.db.select().from(auditEvents).where(eq(auditEvents.targetId, targetId)).orderBy(auditEvents.seq);
}
