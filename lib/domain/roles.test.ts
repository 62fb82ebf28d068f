import { describe, expect, it } from "vitest";
import { roleCount, roleName, withArticle } from "./roles";

describe("roles in sentences", () => {
  it("says a role as people do, with a count and an article", () => {
    expect(roleName("pm")).toBe("product manager");
    expect(roleName("tech-lead")).toBe("tech lead");
    expect(roleName("qa-lead")).toBe("qa-lead"); // not a role: as sent
    expect(roleCount(1, "pm")).toBe("1 product manager");
    expect(roleCount(2, "tech-lead")).toBe("2 tech leads");
    expect(withArticle(roleName("admin"))).toBe("an admin");
    expect(withArticle(roleName("delivery-lead"))).toBe("a delivery lead");
    expect(withArticle("admin or tech lead")).toBe("an admin or tech lead");
  });
});
