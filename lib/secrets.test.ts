import { afterEach, describe, expect, it } from "vitest";
import { SecretKeyError, decryptSecret, encryptSecret } from "./secrets";

const original = process.env.SLIPWAY_SECRET_KEY;
afterEach(() => {
  // Assigning undefined would store the string "undefined" for the files after this one.
  if (original === undefined) delete process.env.SLIPWAY_SECRET_KEY;
  else process.env.SLIPWAY_SECRET_KEY = original;
});

describe("secrets at rest", () => {
  it("round-trips, with a fresh IV each time, and never stores the plaintext", () => {
    process.env.SLIPWAY_SECRET_KEY = Buffer.alloc(32, 7).toString("base64");
    const a = encryptSecret("hunter2-db-password");
    const b = encryptSecret("hunter2-db-password");
    expect(a).not.toBe(b);
    expect(a).not.toContain("hunter2");
    expect(decryptSecret(a)).toBe("hunter2-db-password");
  });

  it("refuses a wrong key without revealing anything, and a tampered value", () => {
    process.env.SLIPWAY_SECRET_KEY = Buffer.alloc(32, 7).toString("base64");
    const sealed = encryptSecret("s3cret");
    process.env.SLIPWAY_SECRET_KEY = Buffer.alloc(32, 8).toString("base64");
    expect(() => decryptSecret(sealed)).toThrow(SecretKeyError);
    expect(() => decryptSecret(sealed)).not.toThrow(/s3cret/);
    process.env.SLIPWAY_SECRET_KEY = Buffer.alloc(32, 7).toString("base64");
    const parts = sealed.split(":");
    expect(() => decryptSecret([parts[0], parts[1], parts[2], Buffer.from("other").toString("base64")].join(":"))).toThrow(SecretKeyError);
  });

  it("explains a missing or malformed key", () => {
    delete process.env.SLIPWAY_SECRET_KEY;
    expect(() => encryptSecret("x")).toThrow("SLIPWAY_SECRET_KEY is not set");
    process.env.SLIPWAY_SECRET_KEY = "short";
    expect(() => encryptSecret("x")).toThrow("must be 32 bytes");
  });
});
