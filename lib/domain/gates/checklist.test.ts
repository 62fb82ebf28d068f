import { describe, expect, it } from "vitest";
import { evaluateChecklist, type ChecklistTick } from "./checklist";

const items = ["release verified in staging", "rollback plan reviewed", "deploy announced in #releases"];
const tick = (item: string, userName = "Sam Lee", minute = 0): ChecklistTick => ({ item, userId: `u_${userName}`, userName, tickedAt: new Date(Date.UTC(2026, 5, 1, 10, minute)) });

describe("checklist gate", () => {
  it("is pending while items are open, naming them", () => {
    const result = evaluateChecklist(items, [tick(items[0]!), tick(items[1]!)]);
    expect(result).toMatchObject({ status: "pending", reason: "2 of 3 checklist items ticked: 'deploy announced in #releases' is open" });
    expect(evaluateChecklist(items, []).reason).toBe("0 of 3 checklist items ticked: 'release verified in staging', 'rollback plan reviewed' and 'deploy announced in #releases' are open");
  });

  it("ignores ticks of items no longer in slipway.yaml", () => {
    const result = evaluateChecklist(items, [tick(items[0]!), tick(items[1]!), tick("smoke tests green")]);
    expect(result.status).toBe("pending");
    expect((result.detail as { items: unknown[] }).items).toHaveLength(3);
  });

  it("passes when all are ticked, saying who ticked each (the latest tick)", () => {
    const result = evaluateChecklist(items.slice(0, 2), [tick(items[0]!, "Sam Lee"), tick(items[1]!, "Jo Park"), tick(items[1]!, "Ana Lima", 5)]);
    expect(result).toMatchObject({ status: "pass", reason: "both checklist items ticked: 'release verified in staging' by Sam Lee and 'rollback plan reviewed' by Ana Lima" });
  });
});
