import { describe, expect, it } from "vitest";
import { reviewNameFromBranch } from "./review-names";

describe("review environment names from branches", () => {
  it("keeps the part of the branch a person recognises, as a DNS label", () => {
    expect(reviewNameFromBranch("feature/Checkout_v2", new Set())).toBe("checkout-v2");
    expect(reviewNameFromBranch("fix/123-login", new Set())).toBe("login");
    expect(reviewNameFromBranch("JIRA-42", new Set())).toBe("jira-42");
    expect(reviewNameFromBranch("feature/--", new Set())).toBe("review");
    expect(reviewNameFromBranch(`feature/${"x".repeat(80)}`, new Set())).toHaveLength(36);
  });

  it("adds a number when the name is taken", () => {
    expect(reviewNameFromBranch("feature/checkout", new Set(["checkout", "checkout-2"]))).toBe("checkout-3");
  });
});
