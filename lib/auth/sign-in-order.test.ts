import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { DEMO_TEAMS } from "@/db/seed/demo-teams";
import { DEMO_USERS } from "@/db/seed/demo-users";
import { signInOrder } from "./sign-in-order";

/** The emails of the README's demo-user table, top to bottom. */
function readmeDemoEmails(): string[] {
  return fs
    .readFileSync("README.md", "utf8")
    .split("\n")
    .flatMap((line) => /^\|[^|]*\|\s*([\w.+-]+@example\.com)\s*\|$/.exec(line)?.[1] ?? []);
}

describe("the sign-in page's order", () => {
  it("lists the demo users as the README does: one per global role, then the team tech leads", () => {
    // As the demo seed adds them: the role users, then each team's lead (who holds tech-lead in the team only).
    let minute = 0;
    const seeded = [...DEMO_USERS.map((u) => ({ email: u.email, roles: u.roles })), ...DEMO_TEAMS.map((t) => ({ email: t.lead.email, roles: [] }))].map((u) => ({
      ...u,
      id: `usr_${String(minute).padStart(4, "0")}`,
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, minute++)),
    }));
    // Shuffled, as the users table returns them (by email).
    const byEmail = [...seeded].sort((a, b) => a.email.localeCompare(b.email));
    expect(readmeDemoEmails()).toHaveLength(DEMO_USERS.length + DEMO_TEAMS.length);
    expect(signInOrder(byEmail).map((u) => u.email)).toEqual(readmeDemoEmails());
  });

  it("puts a person with a global role by their highest one, and people added in the same instant by id", () => {
    const at = new Date("2026-01-01T00:00:00Z");
    const people = [
      { id: "usr_2", roles: [] as const, createdAt: at },
      { id: "usr_1", roles: [] as const, createdAt: at },
      { id: "usr_3", roles: ["viewer", "admin"] as const, createdAt: at },
      { id: "usr_4", roles: ["developer"] as const, createdAt: new Date("2027-01-01T00:00:00Z") },
    ];
    expect(signInOrder(people).map((p) => p.id)).toEqual(["usr_4", "usr_3", "usr_1", "usr_2"]);
  });
});
