import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openConnection, type Connection } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { apiTokens, auditEvents } from "@/db/schema";
import { systemClock } from "@/lib/domain/clock";
import { authenticateToken } from "@/lib/services/tokens";
import { createTestActor } from "@/lib/testing/fixtures";
import { callCliChannel, cliSocketPath, RemoteCommandError } from "./cli-channel";
import { serveCliCommands } from "./cli-commands";
import { runProcess } from "@/lib/testing/run-process";

/**
 * `npm run token` beside a running Slipway on the embedded database: this test process plays the
 * portal (it holds the data directory and serves the CLI channel); the CLI runs as its own process,
 * exactly as a person runs it in a second terminal.
 */
describe("CLIs beside a running Slipway on the embedded database", () => {
  let dataDir: string;
  let portal: Connection | null = null;
  let stopChannel: (() => Promise<void>) | null = null;
  let email: string;

  // Asynchronously: a synchronous spawn would block this process, which has to answer the CLI.
  const token = (...args: string[]) => runProcess(["scripts/token.ts", ...args], { SLIPWAY_DATA_DIR: dataDir, DATABASE_URL: "" });
  const tokenCount = async (connection: Connection) => (await connection.db.select({ n: sql<number>`count(*)::int` }).from(apiTokens))[0]!.n;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-cli-channel-"));
    portal = await openConnection({ dataDir });
    await migrateDatabase(portal);
    email = (await createTestActor(portal.db, ["developer"], "cli-dev")).email;
    stopChannel = await serveCliCommands(dataDir, portal);
  });
  afterAll(async () => {
    await stopChannel?.();
    await portal?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("serves its channel on an owner-only socket in the data directory", () => {
    const stat = fs.statSync(cliSocketPath(dataDir));
    expect(stat.isSocket()).toBe(true);
    expect(stat.mode & 0o077).toBe(0);
  });

  it("npm run token creates the token through the running portal; it works and is audited", async () => {
    const result = await token("--user", email, "--name", "beside-the-portal", "--expires-days", "7");
    expect(result.stderr).toContain(`Token "beside-the-portal" for ${email}, expires`);
    expect(result.status).toBe(0);
    const printed = result.stdout.trim();
    expect(printed).toMatch(/^slw_/);
    expect(await authenticateToken(portal!.db, systemClock, printed)).toMatchObject({ email, roles: ["developer"] });
    const [row] = await portal!.db.select().from(apiTokens).where(eq(apiTokens.name, "beside-the-portal"));
    const events = await portal!.db.select().from(auditEvents).where(eq(auditEvents.targetId, row!.id));
    expect(events.map((e) => e.action)).toEqual(["token.create"]);
  });

  it("a bad request gets the service's own message through the channel and changes nothing", async () => {
    const before = await tokenCount(portal!);
    const unknown = await token("--user", "nobody@example.com", "--name", "x");
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("No user with the email nobody@example.com");
    const badExpiry = await token("--user", email, "--name", "x", "--expires-days", "0");
    expect(badExpiry.status).toBe(1);
    expect(badExpiry.stderr).toContain("at least 1 day");
    await expect(callCliChannel(dataDir, "drop.everything", {})).rejects.toThrow(/Unknown command "drop.everything"/);
    await expect(callCliChannel(dataDir, "token.create", { user: email, name: "" })).rejects.toBeInstanceOf(RemoteCommandError);
    expect(await tokenCount(portal!)).toBe(before);
  });

  it("with no portal running, the CLI opens the data directory itself", async () => {
    await stopChannel!();
    stopChannel = null;
    await portal!.close();
    portal = null;
    const result = await token("--user", email, "--name", "portal-stopped");
    expect(result.stderr).toContain("portal-stopped");
    expect(result.status).toBe(0);
    portal = await openConnection({ dataDir });
    expect(await authenticateToken(portal.db, systemClock, result.stdout.trim())).toMatchObject({ email });
  });
});
