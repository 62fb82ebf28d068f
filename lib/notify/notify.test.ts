import http from "node:http";
import type { AddressInfo } from "node:net";
import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openConnection, type Connection } from "@/db/client";
import { notificationDeliveries } from "@/db/schema";
import type { NotificationChannel } from "@/lib/config/schema";
import { fixedClock } from "@/lib/domain/clock";
import { testDatabases } from "@/lib/testing/databases";
import { dispatchDue, MAX_ATTEMPTS, RETRY_BACKOFF_MS, type DispatchOptions } from "./dispatch";
import { enqueueNotification } from "./enqueue";
import type { DeploymentData, SlipwayEvent } from "./events";
import { verifySignature } from "./signature";
import type { WebhookBody } from "./webhook";

/** A real HTTP receiver on a random local port; each path answers from its own script. */
interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Answer = { status: number; body?: string; delayMs?: number; headers?: Record<string, string> } | "hang";

class Receiver {
  readonly received: Received[] = [];
  private readonly scripts = new Map<string, Answer[]>();
  private server!: http.Server;
  url = "";

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (body += chunk));
      req.on("end", () => {
        const path = req.url ?? "/";
        this.received.push({ path, headers: req.headers, body });
        const answer = this.scripts.get(path)?.shift() ?? { status: 200, body: "ok" };
        if (answer === "hang") return; // never answers
        setTimeout(() => res.writeHead(answer.status, answer.headers).end(answer.body ?? ""), answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The next answers of one path, in order; after them it answers 200. */
  script(path: string, ...answers: Answer[]): void {
    this.scripts.set(path, answers);
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  reset(): void {
    this.received.length = 0;
    this.scripts.clear();
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const SECRET = "s3cret-for-tests";

function deployment(overrides: Partial<DeploymentData> = {}): DeploymentData {
  return {
    pipeline: "shop",
    environment: "prod",
    environmentKind: "fixed",
    deploymentId: "dep_1",
    kind: "promote",
    release: { id: "rel_1", commit: "81f4933aa0d1c2b3e4f5a6b7c8d9e0f1a2b3c4d5", branch: "main" },
    versions: [
      { app: "portal", version: "1.5.0" },
      { app: "admin", version: "2.5.1" },
    ],
    requestedBy: { name: "Lee Morgan", email: "lee@example.com" },
    reason: "weekly release",
    url: "/deployments/dep_1",
    ...overrides,
  };
}

const succeeded: SlipwayEvent = { event: "deployment.succeeded", data: deployment() };

describe.each(testDatabases)("notifications on $name", (database) => {
  let connection: Connection & { url?: string };
  const receiver = new Receiver();
  const clock = fixedClock("2026-03-02T10:00:00Z");
  const env: Record<string, string | undefined> = {};
  let slack: NotificationChannel;
  let hook: NotificationChannel;

  const options = (extra: Partial<DispatchOptions> = {}): DispatchOptions => ({
    now: clock.now,
    env,
    baseUrl: "https://slipway.example.com",
    timeoutMs: 2000,
    log: () => {},
    ...extra,
  });
  const rows = () => connection.db.select().from(notificationDeliveries).orderBy(notificationDeliveries.id);

  beforeAll(async () => {
    connection = await database.open();
    await receiver.start();
    slack = { name: "releases-slack", type: "slack", url: `${receiver.url}/slack` };
    hook = { name: "audit-hook", type: "webhook", urlEnv: "AUDIT_HOOK_URL", secretEnv: "AUDIT_HOOK_SECRET" };
  });
  afterAll(async () => {
    await receiver.stop();
    await connection.close();
  });
  beforeEach(async () => {
    clock.set("2026-03-02T10:00:00Z");
    for (const key of Object.keys(env)) delete env[key];
    env.AUDIT_HOOK_URL = `${receiver.url}/hook`;
    env.AUDIT_HOOK_SECRET = SECRET;
    receiver.reset();
  });
  afterEach(async () => {
    await connection.db.delete(notificationDeliveries);
  });

  it("delivers a queued event to a Slack channel and to a signed webhook", async () => {
    expect(await enqueueNotification(connection.db, [slack, hook], succeeded, clock.now())).toBe(2);
    expect(await dispatchDue(connection.db, [slack, hook], options())).toEqual({ delivered: 2, retried: 0, failed: 0 });

    const [toSlack] = receiver.at("/slack");
    expect(toSlack!.headers["content-type"]).toBe("application/json");
    const message = JSON.parse(toSlack!.body) as { text: string; blocks: unknown[] };
    expect(message.text).toBe("✅ prod: release 81f4933 (portal 1.5.0, admin 2.5.1) deployed by Lee Morgan — <https://slipway.example.com/deployments/dep_1|view>");
    expect(message.blocks.length).toBeGreaterThan(0);

    const [toHook] = receiver.at("/hook");
    const [row] = (await rows()).filter((r) => r.channel === "audit-hook");
    const body = JSON.parse(toHook!.body) as WebhookBody;
    expect(body).toEqual({
      id: row!.id,
      event: "deployment.succeeded",
      occurredAt: "2026-03-02T10:00:00.000Z",
      data: { ...deployment(), url: "https://slipway.example.com/deployments/dep_1" },
    });
    expect(toHook!.headers).toMatchObject({
      "content-type": "application/json",
      "x-slipway-event": "deployment.succeeded",
      "x-slipway-delivery": row!.id,
      "x-slipway-timestamp": String(Date.parse("2026-03-02T10:00:00Z") / 1000),
    });
    const timestamp = toHook!.headers["x-slipway-timestamp"] as string;
    const signature = toHook!.headers["x-slipway-signature"] as string;
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    const at = { toleranceSeconds: 300, now: clock.now() };
    expect(verifySignature(SECRET, timestamp, toHook!.body, signature, at)).toBe(true);
    expect(verifySignature(SECRET, timestamp, toHook!.body.replace("Lee Morgan", "Mallory"), signature, at)).toBe(false);
    expect(verifySignature("another-secret", timestamp, toHook!.body, signature, at)).toBe(false);
    expect(verifySignature(SECRET, timestamp, toHook!.body, signature, { toleranceSeconds: 300, now: new Date(clock.now().getTime() + 301_000) })).toBe(false);

    for (const r of await rows()) {
      expect(r.deliveredAt?.toISOString()).toBe("2026-03-02T10:00:00.000Z");
      expect(r).toMatchObject({ attempts: 1, failedAt: null, lastError: null });
    }
    // Delivered rows are done: nothing more is sent.
    expect(await dispatchDue(connection.db, [slack, hook], options())).toEqual({ delivered: 0, retried: 0, failed: 0 });
    expect(receiver.received).toHaveLength(2);
  });

  it("queues an event only for the channels that subscribe to it", async () => {
    const approvals: NotificationChannel = { ...slack, name: "approvals", events: ["approval.needed", "approval.given"] };
    const failures: NotificationChannel = { ...hook, name: "failures", events: ["deployment.failed"] };
    const channels = [approvals, failures, slack];
    const needed: SlipwayEvent = { event: "approval.needed", data: { ...deployment(), approvals: [{ role: "pm", needed: 1 }] } };
    const failed: SlipwayEvent = { event: "deployment.failed", data: { ...deployment(), failureReason: "smoke check / failed" } };
    expect(await enqueueNotification(connection.db, channels, needed, clock.now())).toBe(2);
    expect(await enqueueNotification(connection.db, channels, failed, clock.now())).toBe(2);
    expect(await enqueueNotification(connection.db, [approvals, failures], succeeded, clock.now())).toBe(0);
    const queued = (await rows()).map((r) => `${r.event} → ${r.channel}`).sort();
    expect(queued).toEqual(["approval.needed → approvals", "approval.needed → releases-slack", "deployment.failed → failures", "deployment.failed → releases-slack"]);
    expect((await rows())[0]!.nextAttemptAt.toISOString()).toBe("2026-03-02T10:00:00.000Z");
  });

  it("announces nothing when the transaction that enqueued rolls back", async () => {
    await expect(
      connection.db.transaction(async (tx) => {
        await enqueueNotification(tx, [slack, hook], succeeded, clock.now());
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await rows()).toHaveLength(0);
    await connection.db.transaction(async (tx) => {
      await enqueueNotification(tx, [slack, hook], succeeded, clock.now());
    });
    expect(await rows()).toHaveLength(2);
  });

  it("retries a 500 after the backoff and delivers it with the same delivery id", async () => {
    receiver.script("/hook", { status: 500, body: "database is down" });
    await enqueueNotification(connection.db, [hook], succeeded, clock.now());
    expect(await dispatchDue(connection.db, [hook], options())).toEqual({ delivered: 0, retried: 1, failed: 0 });
    let [row] = await rows();
    expect(row).toMatchObject({ attempts: 1, deliveredAt: null, failedAt: null });
    expect(row!.lastError).toContain("HTTP 500: database is down");
    expect(row!.nextAttemptAt.getTime() - clock.now().getTime()).toBe(RETRY_BACKOFF_MS[0]);

    // Not due before the backoff has passed.
    clock.advance(RETRY_BACKOFF_MS[0] - 1000);
    expect(await dispatchDue(connection.db, [hook], options())).toEqual({ delivered: 0, retried: 0, failed: 0 });
    clock.advance(1000);
    expect(await dispatchDue(connection.db, [hook], options())).toEqual({ delivered: 1, retried: 0, failed: 0 });
    [row] = await rows();
    expect(row).toMatchObject({ attempts: 2, failedAt: null, lastError: null });
    expect(row!.deliveredAt).not.toBeNull();

    const attempts = receiver.at("/hook");
    expect(attempts).toHaveLength(2);
    expect(attempts[1]!.headers["x-slipway-delivery"]).toBe(attempts[0]!.headers["x-slipway-delivery"]);
    // The retry is signed afresh with its own timestamp, so it passes the receiver's freshness check.
    const retry = attempts[1]!;
    expect(retry.headers["x-slipway-timestamp"]).toBe(String(clock.now().getTime() / 1000));
    expect(verifySignature(SECRET, retry.headers["x-slipway-timestamp"] as string, retry.body, retry.headers["x-slipway-signature"] as string, { now: clock.now() })).toBe(true);
  });

  it("retries 408, 429 and refused connections", async () => {
    receiver.script("/slack", { status: 429, body: "slow down" }, { status: 408 });
    const closed = await unusedPort();
    const gone: NotificationChannel = { name: "gone", type: "slack", url: `http://127.0.0.1:${closed}/x` };
    await enqueueNotification(connection.db, [slack, gone], succeeded, clock.now());
    expect(await dispatchDue(connection.db, [slack, gone], options())).toEqual({ delivered: 0, retried: 2, failed: 0 });
    clock.advance(RETRY_BACKOFF_MS[0]);
    expect(await dispatchDue(connection.db, [slack, gone], options())).toEqual({ delivered: 0, retried: 2, failed: 0 });
    const byChannel = Object.fromEntries((await rows()).map((r) => [r.channel, r]));
    expect(byChannel["releases-slack"]!.lastError).toContain("HTTP 408");
    expect(byChannel.gone!.lastError).toContain("fetch failed (ECONNREFUSED)");
    clock.advance(RETRY_BACKOFF_MS[1]);
    expect(await dispatchDue(connection.db, [slack, gone], options())).toEqual({ delivered: 1, retried: 1, failed: 0 });
  });

  it("gives up at once on a 4xx, recording the status and the start of the body", async () => {
    receiver.script("/slack", { status: 400, body: `invalid_payload ${"x".repeat(500)}` });
    await enqueueNotification(connection.db, [slack], succeeded, clock.now());
    expect(await dispatchDue(connection.db, [slack], options())).toEqual({ delivered: 0, retried: 0, failed: 1 });
    const [row] = await rows();
    expect(row!.failedAt?.toISOString()).toBe("2026-03-02T10:00:00.000Z");
    expect(row!.lastError).toMatch(/^HTTP 400: invalid_payload x+ \(the receiver refused/);
    expect(row!.lastError).toContain(`HTTP 400: ${`invalid_payload ${"x".repeat(500)}`.slice(0, 200)} (`);
    clock.advance(24 * 3600_000);
    expect(await dispatchDue(connection.db, [slack], options())).toEqual({ delivered: 0, retried: 0, failed: 0 });
    expect(receiver.at("/slack")).toHaveLength(1);
  });

  it("gives up after the last backoff when the receiver keeps failing", async () => {
    receiver.script("/slack", ...Array.from({ length: MAX_ATTEMPTS }, () => ({ status: 503, body: "unavailable" })));
    await enqueueNotification(connection.db, [slack], succeeded, clock.now());
    for (const wait of RETRY_BACKOFF_MS) {
      expect(await dispatchDue(connection.db, [slack], options())).toEqual({ delivered: 0, retried: 1, failed: 0 });
      clock.advance(wait);
    }
    expect(await dispatchDue(connection.db, [slack], options())).toEqual({ delivered: 0, retried: 0, failed: 1 });
    const [row] = await rows();
    expect(row).toMatchObject({ attempts: MAX_ATTEMPTS, deliveredAt: null });
    expect(row!.failedAt).not.toBeNull();
    expect(row!.lastError).toBe(`gave up after ${MAX_ATTEMPTS} attempts; last: HTTP 503: unavailable`);
    expect(receiver.at("/slack")).toHaveLength(MAX_ATTEMPTS);
  });

  it("times out a hanging receiver and retries it later", async () => {
    receiver.script("/hook", "hang");
    await enqueueNotification(connection.db, [slack, hook], succeeded, clock.now());
    const result = await dispatchDue(connection.db, [slack, hook], options({ timeoutMs: 300 }));
    expect(result).toEqual({ delivered: 1, retried: 1, failed: 0 });
    const [row] = (await rows()).filter((r) => r.channel === "audit-hook");
    expect(row!.lastError).toContain("no answer within 300 ms");
    clock.advance(RETRY_BACKOFF_MS[0]);
    expect(await dispatchDue(connection.db, [slack, hook], options({ timeoutMs: 300 }))).toEqual({ delivered: 1, retried: 0, failed: 0 });
  });

  it("fails at once, naming the variable, when a URL or secret variable is missing", async () => {
    const unsignedHook: NotificationChannel = { name: "unsigned", type: "webhook", url: `${receiver.url}/hook` };
    const slackFromEnv: NotificationChannel = { name: "team-slack", type: "slack", urlEnv: "TEAM_SLACK_URL" };
    const channels = [hook, unsignedHook, slackFromEnv];
    delete env.AUDIT_HOOK_SECRET;
    await enqueueNotification(connection.db, channels, succeeded, clock.now());
    expect(await dispatchDue(connection.db, channels, options())).toEqual({ delivered: 0, retried: 0, failed: 3 });
    const errors = Object.fromEntries((await rows()).map((r) => [r.channel, r.lastError]));
    expect(errors["audit-hook"]).toBe('environment variable AUDIT_HOOK_SECRET (secretEnv of channel "audit-hook") is not set');
    expect(errors["team-slack"]).toBe('environment variable TEAM_SLACK_URL (urlEnv of channel "team-slack") is not set');
    expect(errors.unsigned).toContain('webhook channel "unsigned" has no secretEnv');
    expect(receiver.received).toHaveLength(0);
  });

  it("fails a delivery whose channel was removed from the configuration", async () => {
    await enqueueNotification(connection.db, [slack, hook], succeeded, clock.now());
    expect(await dispatchDue(connection.db, [hook], options())).toEqual({ delivered: 1, retried: 0, failed: 1 });
    const [removed] = (await rows()).filter((r) => r.channel === "releases-slack");
    expect(removed!.lastError).toBe('channel "releases-slack" is no longer configured in slipway.yaml');
    expect(receiver.at("/slack")).toHaveLength(0);
  });

  it("never throws for a bad receiver: a fetch that rejects is retried", async () => {
    await enqueueNotification(connection.db, [slack], succeeded, clock.now());
    const broken = (async () => {
      throw new Error("boom");
    }) as unknown as typeof fetch;
    expect(await dispatchDue(connection.db, [slack], options({ fetch: broken }))).toEqual({ delivered: 0, retried: 1, failed: 0 });
    expect((await rows())[0]!.lastError).toBe("attempt 1: boom");
  });

  it("dispatchers running at once deliver every notification exactly once", async () => {
    // Separate connections: on PostgreSQL the dispatchers really race on separate sessions.
    const others = connection.url ? await Promise.all([1, 2].map(() => openConnection({ url: connection.url }))) : [];
    const dbs = [connection.db, ...others.map((o) => o.db)];
    try {
      const total = 60;
      receiver.script("/hook", ...Array.from({ length: total }, () => ({ status: 200, delayMs: 10 })));
      for (let i = 0; i < total; i++) {
        await enqueueNotification(connection.db, [hook], { event: "deployment.started", data: deployment({ deploymentId: `dep_${i}` }) }, clock.now());
      }
      // Five dispatchers at a time, each claiming a few, until nothing is due.
      let delivered = 0;
      for (let round = 0; round < 10; round++) {
        const results = await Promise.all(Array.from({ length: 5 }, (_, i) => dispatchDue(dbs[i % dbs.length]!, [hook], options({ limit: 7 }))));
        const sent = results.reduce((sum, r) => sum + r.delivered, 0);
        delivered += sent;
        if (sent === 0) break;
      }
      expect(delivered).toBe(total);
      const ids = receiver.at("/hook").map((r) => r.headers["x-slipway-delivery"]);
      expect(ids).toHaveLength(total);
      expect(new Set(ids).size).toBe(total);
      const [counts] = await connection.db.select({ delivered: sql<number>`count(*) filter (where delivered_at is not null)::int`, attempts: sql<number>`sum(attempts)::int` }).from(notificationDeliveries);
      expect(counts).toEqual({ delivered: total, attempts: total });
    } finally {
      await Promise.all(others.map((o) => o.close()));
    }
  });

  it("a delivery claimed by a dispatcher that died is sent again once its lease runs out", async () => {
    await enqueueNotification(connection.db, [slack], succeeded, clock.now());
    // Simulate the claim of a dispatcher that died before recording anything.
    const [row] = await rows();
    await connection.db
      .update(notificationDeliveries)
      .set({ attempts: 1, nextAttemptAt: new Date(clock.now().getTime() + 65_000) })
      .where(eq(notificationDeliveries.id, row!.id));
    expect(await dispatchDue(connection.db, [slack], options())).toEqual({ delivered: 0, retried: 0, failed: 0 });
    clock.advance(65_000);
    expect(await dispatchDue(connection.db, [slack], options())).toEqual({ delivered: 1, retried: 0, failed: 0 });
    expect((await rows())[0]!.attempts).toBe(2);
  });
});

async function unusedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
