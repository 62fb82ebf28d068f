import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { environments, apps, healthSamples, notificationDeliveries } from "@/db/schema";
import { fixedClock } from "@/lib/domain/clock";
import { testDatabases } from "@/lib/testing/databases";
import { loadTestPipeline } from "@/lib/testing/fixtures";
import { pruneNotificationDeliveries } from "../retention";
import { pruneSamples } from "../traffic-sampler";

const DAY = 86_400_000;
const now = new Date("2026-06-01T12:00:00Z");

describe.each(testDatabases)("retention pruning on $name", (database) => {
  let connection: Connection;
  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
  });
  afterAll(async () => {
    await connection.close();
  });

  it("deletes health samples older than the retention in batches and keeps the newer ones", async () => {
    const [env] = await connection.db.select().from(environments).limit(1);
    const [app] = await connection.db.select().from(apps).limit(1);
    const rows = Array.from({ length: 23 }, (_, i) => ({
      environmentId: env!.id,
      appId: app!.id,
      releaseId: null,
      bucketStart: new Date(now.getTime() - (i < 17 ? 40 * DAY + i * 60_000 : i * 60_000)),
      status: "healthy" as const,
    }));
    await connection.db.insert(healthSamples).values(rows);
    expect(await pruneSamples(connection.db, fixedClock(now), 30 * DAY, { batchSize: 4 })).toBe(17);
    const left = await connection.db.select().from(healthSamples);
    expect(left).toHaveLength(6);
    expect(left.every((s) => s.bucketStart.getTime() > now.getTime() - 30 * DAY)).toBe(true);
    expect(await pruneSamples(connection.db, fixedClock(now), 30 * DAY, { batchSize: 4 })).toBe(0);
  });

  it("deletes finished notification deliveries older than the retention in batches, never ones still due", async () => {
    const old = new Date(now.getTime() - 45 * DAY);
    const recent = new Date(now.getTime() - DAY);
    const base = { channel: "ops", event: "deployment.succeeded", payload: {}, nextAttemptAt: old, createdAt: old };
    await connection.db
      .insert(notificationDeliveries)
      .values([
        ...Array.from({ length: 7 }, (_, i) => ({ ...base, id: `ntf_delivered_${i}`, deliveredAt: old })),
        ...Array.from({ length: 3 }, (_, i) => ({ ...base, id: `ntf_failed_${i}`, failedAt: old, lastError: "HTTP 500" })),
        { ...base, id: "ntf_due_old" },
        { ...base, id: "ntf_delivered_recent", deliveredAt: recent },
      ]);
    expect(await pruneNotificationDeliveries(connection.db, fixedClock(now), 30 * DAY, 3)).toBe(10);
    const left = (await connection.db.select({ id: notificationDeliveries.id }).from(notificationDeliveries)).map((r) => r.id).sort();
    expect(left).toEqual(["ntf_delivered_recent", "ntf_due_old"]);
  });

  it("refuses a batch size that is not a whole number ≥ 1", async () => {
    await expect(pruneNotificationDeliveries(connection.db, fixedClock(now), 30 * DAY, 0)).rejects.toThrow(/batchSize must be a whole number/);
  });
});
