import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { testDatabases } from "@/lib/testing/databases";
import { FakePlatform } from "@/lib/testing/fake-platform";
import { loadTestPipeline } from "@/lib/testing/fixtures";
import { Controller } from "../controller";

const until = async (condition: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe.each(testDatabases)("a failing controller beside the web server on $name", (database) => {
  let connection: Connection;
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    server = http.createServer((_, res) => res.end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    server.close();
    await connection.close();
  });

  it("a reconcile pass that throws is caught and retried with a growing back-off; the web server keeps answering; success resets the back-off", async () => {
    const logs: string[] = [];
    const controller = new Controller({ connection, createPlatform: async () => new FakePlatform(), log: (l) => logs.push(l), pollMs: 10, healthEveryMs: 60_000 });
    let passes = 0;
    let failing = true;
    controller.tick = async () => {
      passes += 1;
      if (failing) throw new Error(`reconcile exploded (pass ${passes})`);
    };
    controller.start();
    try {
      await until(() => passes >= 4);
      const retries = logs.filter((l) => l.startsWith("tick failed")).map((l) => l);
      expect(retries[0]).toMatch(/^tick failed \(1 in a row\), retrying in \d+ s: reconcile exploded \(pass 1\)$/);
      expect(retries[2]).toMatch(/^tick failed \(3 in a row\)/);
      expect(controller.retryDelayMs()).toBeGreaterThanOrEqual(80); // 10 ms × 2^3 after the fourth failure
      expect(await (await fetch(url)).text()).toBe("ok");
      failing = false;
      const before = passes;
      await until(() => passes > before + 1);
      expect(controller.retryDelayMs()).toBe(10);
    } finally {
      await controller.stop({ stopApps: false });
    }
  });

  it("a controller whose platform cannot be created keeps trying with back-off and leads (restoring) once it can", async () => {
    const logs: string[] = [];
    let attempts = 0;
    const controller = new Controller({
      connection,
      createPlatform: async () => {
        attempts += 1;
        if (attempts <= 2) throw new Error("platform unreachable");
        return new FakePlatform();
      },
      log: (l) => logs.push(l),
      pollMs: 10,
      healthEveryMs: 60_000,
    });
    controller.start();
    try {
      await until(() => logs.some((l) => l.startsWith("restored ")));
      expect(controller.isLeader).toBe(true);
      expect(attempts).toBe(3);
      expect(logs.filter((l) => l.startsWith("tick failed")).length).toBe(2);
      expect(await (await fetch(url)).text()).toBe("ok");
    } finally {
      await controller.stop({ stopApps: false });
    }
  });
});
