import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { teams } from "@/db/schema";
import { testDatabases } from "@/lib/testing/databases";
import { toErrorResponse } from "@/lib/api/errors";
import { ConflictError, conflictFromUniqueViolation } from "../errors";

// Two people creating the same team at the same moment both pass the service's "is the name
// free?" check; the database's unique constraint stops the second. That must read as a 409, not a
// 500. The driver errors here are real ones, from each database.
describe.each(testDatabases)("a unique violation from $name", (database) => {
  let connection: Connection;
  beforeAll(async () => {
    connection = await database.open();
  });
  afterAll(() => connection.close());

  const team = (id: string) => ({ id, name: "storefront", displayName: "Storefront" });

  it("becomes a ConflictError (409 conflict) in the API", async () => {
    await connection.db.insert(teams).values(team("team_a"));
    const error = await connection.db
      .insert(teams)
      .values(team("team_b"))
      .catch((e: unknown) => e);
    const conflict = conflictFromUniqueViolation(error);
    expect(conflict).toBeInstanceOf(ConflictError);
    expect(conflict?.code).toBe("conflict");
    const response = toErrorResponse(error);
    expect(response.status).toBe(409);
    expect((await response.json()).error.code).toBe("conflict");
  });

  it("leaves other database errors alone (they stay a 500)", async () => {
    const error = await connection.db.execute("select * from no_such_table").catch((e: unknown) => e);
    expect(conflictFromUniqueViolation(error)).toBeNull();
    expect(toErrorResponse(error).status).toBe(500);
  });
});
