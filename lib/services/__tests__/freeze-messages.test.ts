import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import type { Actor } from "@/lib/auth/actor";
import { testDatabases } from "@/lib/testing/databases";
import { contextFor, createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { ValidationError } from "../errors";
import { createFreeze } from "../freezes";

// Issue 15 item 14: the freeze form's messages speak the form's words and local times, not
// internal field names and raw ISO instants. NOW is 2026-03-02 10:00 UTC = 11:00 in Berlin.
describe.each(testDatabases)("freeze validation wording on $name", (database) => {
  let connection: Connection;
  let lead: Actor;

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    lead = await createTestActor(connection.db, ["delivery-lead"], "lead");
  });
  afterAll(() => connection.close());

  async function refusal(input: Record<string, unknown>): Promise<ValidationError> {
    const error = await createFreeze(contextFor(connection.db, lead), { environment: "prod", name: "bad", reason: "Testing wording", ...input }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }

  it("an end before the start names both on the person's clock", async () => {
    const error = await refusal({ startsAt: "2026-03-05T08:00:00Z", endsAt: "2026-03-04T08:00:00Z", timezone: "Europe/Berlin" });
    expect(error.fields?.endsAt).toBe("the end must be after the start (5 Mar 09:00 Europe/Berlin); it is 4 Mar 09:00 Europe/Berlin");
    expect(error.message).toBe(`The freeze's end (Until) is not right: ${error.fields?.endsAt}`);
  });

  it("an end already past says so in local time", async () => {
    const error = await refusal({ startsAt: "2026-02-01T00:00:00Z", endsAt: "2026-02-02T00:00:00Z", timezone: "America/New_York" });
    expect(error.fields?.endsAt).toBe("the end, 1 Feb 19:00 America/New_York, has already passed: this freeze would never block anything");
  });

  it("no message carries a raw ISO time or an internal field name", async () => {
    for (const input of [
      { startsAt: "2026-03-05T08:00:00Z", endsAt: "2026-03-04T08:00:00Z", timezone: "Europe/Berlin" },
      { startsAt: "2026-02-01T00:00:00Z", endsAt: "2026-02-02T00:00:00Z" },
    ]) {
      const error = await refusal(input);
      const text = [error.message, ...Object.values(error.fields ?? {})].join(" | ");
      expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
      expect(text).not.toMatch(/startsAt|endsAt/);
    }
  });
});
