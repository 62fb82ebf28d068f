import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { auditEvents, deployments } from "@/db/schema";
import { testDatabases } from "@/lib/testing/databases";
import { contextFor, createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { parseJsonBody } from "@/lib/api/body";
import type { Actor } from "@/lib/auth/actor";
import { ValidationError } from "../errors";
import { cancelDeployment, requestDeployment, requestRollback } from "../deployments";
import { registerBuild } from "../builds";

async function counts(connection: Connection) {
  const [d] = await connection.db.select({ n: sql<number>`count(*)::int` }).from(deployments);
  const [a] = await connection.db.select({ n: sql<number>`count(*)::int` }).from(auditEvents);
  return { deployments: d!.n, audit: a!.n };
}

describe.each(testDatabases)("text PostgreSQL cannot store is a 400 with a field error on $name", (database) => {
  let connection: Connection;
  let lead: Actor;

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    lead = await createTestActor(connection.db, ["delivery-lead"]);
  });
  afterAll(() => connection.close());

  it('a promote with {"releaseId":"\\u0000"} is refused naming releaseId, and changes nothing', async () => {
    const before = await counts(connection);
    const body = JSON.parse('{"releaseId":"\\u0000"}') as Record<string, unknown>;
    const error = await requestDeployment(contextFor(connection.db, lead), { ...body, environment: "qa" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).status).toBe(400);
    expect((error as ValidationError).code).toBe("invalid_text");
    expect((error as ValidationError).fields).toEqual({ releaseId: "must not contain NUL (\\u0000) characters" });
    expect(await counts(connection)).toEqual(before);
  });

  it.each([
    ["a rollback reason", () => requestRollback(contextFor(connection.db, lead), { environment: "qa", reason: "oops\u0000" }), "reason"],
    ["an environment name from the path", () => requestRollback(contextFor(connection.db, lead), { environment: "q\u0000a" }), "environment"],
    ["a cancel id", () => cancelDeployment(contextFor(connection.db, lead), { deploymentId: "\u0000" }), "deploymentId"],
    [
      "a build's changed file",
      () => registerBuild(contextFor(connection.db, lead), { app: "portal", version: "1.0.0", commit: "a".repeat(40), branch: "main", digest: `sha256:${"a".repeat(64)}`, changedFiles: ["ok.ts", "bad\u0000.ts"] }),
      "changedFiles.1",
    ],
    ["an unpaired surrogate in a reason", () => requestRollback(contextFor(connection.db, lead), { environment: "qa", reason: JSON.parse('"\\ud83d"') as string }), "reason"],
  ])("%s is refused with that field", async (_label, call, field) => {
    const before = await counts(connection);
    const error = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(Object.keys((error as ValidationError).fields ?? {})).toEqual([field]);
    expect(await counts(connection)).toEqual(before);
  });
});

describe("a request body with a NUL", () => {
  it("is refused while parsing, before any service sees it", () => {
    const request = new Request("http://localhost/api/v1/environments/qa/deployments", { method: "POST", headers: { "content-type": "application/json" } });
    const error = (() => {
      try {
        parseJsonBody(request, '{"releaseId":"\\u0000","reason":"fine"}');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields).toEqual({ releaseId: "must not contain NUL (\\u0000) characters" });
  });
});
