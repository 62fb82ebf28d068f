import { describe, expect, it } from "vitest";
import { signedOutLanding } from "./signed-out";

describe("signedOutLanding", () => {
  it("follows the provider's logout when there is one", () => {
    expect(signedOutLanding("https://idp.example/logout?id_token_hint=x", true)).toBe("https://idp.example/logout?id_token_hint=x");
  });

  it("says only Slipway's session ended when the provider could not be asked to end its own", () => {
    expect(signedOutLanding(null, true)).toBe("/signin?signed-out=slipway");
  });

  it("in local mode, signing out of Slipway is everything", () => {
    expect(signedOutLanding(null, false)).toBe("/signin?signed-out=1");
  });
});
