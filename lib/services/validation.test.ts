import { z } from "zod";
import { describe, expect, it } from "vitest";
import { ValidationError } from "./errors";
import { parseInput } from "./validation";

describe("parseInput", () => {
  const schema = z.object({ releaseId: z.string(), reason: z.string().max(5).optional() });
  const refusal = (input: unknown) => {
    try {
      parseInput(schema, input);
    } catch (error) {
      return error as ValidationError;
    }
    throw new Error("accepted");
  };

  it('says a missing field is "required", not what type zod expected of undefined', () => {
    const error = refusal({});
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toBe("releaseId is required.");
    expect(error.fields).toEqual({ releaseId: "required" });
    const two = parseInput.bind(null, z.object({ commit: z.string(), digest: z.string() }));
    expect(() => two({})).toThrow("Missing required fields: commit, digest.");
  });

  it("keeps zod's words for a present but wrong value, and names every bad field", () => {
    expect(refusal({ releaseId: 7 }).fields?.releaseId ?? "").toMatch(/expected string, received number/);
    const both = refusal({ reason: "far too long" });
    expect(both.message).toBe("Invalid input in 2 fields: releaseId, reason");
    expect(both.fields).toEqual({ releaseId: "required", reason: expect.stringMatching(/5/) });
  });
});
