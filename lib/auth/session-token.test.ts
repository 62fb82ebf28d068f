import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionUserId } from "./session-token";

const SECRET = "session-token-test-secret-0123456789abcdef";
const PLAIN = "authjs.session-token";
const SECURE = "__Secure-authjs.session-token";

describe("sessionUserId: the user id in the session cookie, decoded once per token", () => {
  const previous = process.env.AUTH_SECRET;
  beforeAll(() => {
    process.env.AUTH_SECRET = SECRET;
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.AUTH_SECRET;
    else process.env.AUTH_SECRET = previous;
  });
  const issue = (uid: string, salt: string, maxAge = 3600, secret = SECRET) => encode({ token: { uid, sub: uid }, secret, salt, maxAge });

  it("reads the uid of a token issued under either cookie name (http and https)", async () => {
    expect(await sessionUserId(`${PLAIN}=${await issue("u-plain", PLAIN)}`, Date.now())).toBe("u-plain");
    expect(await sessionUserId(`other=1; ${SECURE}=${await issue("u-secure", SECURE)}`, Date.now())).toBe("u-secure");
  });

  it("refuses a token under a name it was not issued for, with another secret, tampered, or absent", async () => {
    expect(await sessionUserId(`${PLAIN}=${await issue("u1", SECURE)}`, Date.now())).toBeNull();
    expect(await sessionUserId(`${PLAIN}=${await issue("u1", PLAIN, 3600, "another-secret-0123456789abcdef0123")}`, Date.now())).toBeNull();
    const token = await issue("u1", PLAIN);
    const tampered = token.slice(0, -6) + (token.endsWith("AAAAAA") ? "BBBBBB" : "AAAAAA");
    expect(await sessionUserId(`${PLAIN}=${tampered}`, Date.now())).toBeNull();
    expect(await sessionUserId(null, Date.now())).toBeNull();
    expect(await sessionUserId("theme=dark", Date.now())).toBeNull();
  });

  it("checks expiry on every read, also for a token it has decoded before", async () => {
    const cookie = `${PLAIN}=${await issue("u-expiring", PLAIN, 60)}`;
    expect(await sessionUserId(cookie, Date.now())).toBe("u-expiring");
    expect(await sessionUserId(cookie, Date.now() + 30_000)).toBe("u-expiring");
    expect(await sessionUserId(cookie, Date.now() + 120_000)).toBeNull();
  });

  it("a token without Slipway's uid claim is no session", async () => {
    const token = await encode({ token: { sub: "x" }, secret: SECRET, salt: PLAIN, maxAge: 60 });
    expect(await sessionUserId(`${PLAIN}=${token}`, Date.now())).toBeNull();
  });
});
