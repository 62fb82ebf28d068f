import { describe, expect, it } from "vitest";
import { personName } from "./people";

describe("personName", () => {
  it("is the name, trimmed; the email when the name is blank", () => {
    expect(personName({ name: "Ada Lovelace", email: "ada@example.com" })).toBe("Ada Lovelace");
    expect(personName({ name: "  Ada ", email: "ada@example.com" })).toBe("Ada");
    expect(personName({ name: "   ", email: "ada@example.com" })).toBe("ada@example.com");
    expect(personName({ name: "" })).toBe("");
  });
});
