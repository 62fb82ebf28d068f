import { encode } from "next-auth/jwt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sessionUserId } from "./session-token";

const SECRET = "session-token-test-secret-0123456789abcdef";
const PLAIN = "authjs.session-token";
const SECURE = "__Secure-authjs.session-token";

/** A request's headers: its cookie, over http unless said otherwise (Next sets x-forwarded-proto). */
const over = (cookie: string | null, proto: string | null = "http") => {
  const headers = new Headers();
  if (cookie !== null) headers.set("cookie", cookie);
  if (proto !== null) headers.set("x-forwarded-proto", proto);
  return headers;
};

describe("sessionUserId: the user id in the session cookie, decoded once per token", () => {
  const previous = { secret: process.env.AUTH_SECRET, url: process.env.AUTH_URL };
  beforeAll(() => {
    process.env.AUTH_SECRET = SECRET;
  });
  afterEach(() => {
    delete process.env.AUTH_URL;
  });
  afterAll(() => {
    if (previous.secret === undefined) delete process.env.AUTH_SECRET;
    else process.env.AUTH_SECRET = previous.secret;
    if (previous.url !== undefined) process.env.AUTH_URL = previous.url;
  });
  const issue = (uid: string, salt: string, maxAge = 3600, secret = SECRET) => encode({ token: { uid, sub: uid }, secret, salt, maxAge });

  it("reads the cookie Auth.js reads: plain over http, __Secure- over https (also when no proxy says)", async () => {
    expect(await sessionUserId(over(`${PLAIN}=${await issue("u-plain", PLAIN)}`), Date.now())).toBe("u-plain");
    expect(await sessionUserId(over(`other=1; ${SECURE}=${await issue("u-secure", SECURE)}`, "https"), Date.now())).toBe("u-secure");
    expect(await sessionUserId(over(`${SECURE}=${await issue("u-default", SECURE)}`, null), Date.now())).toBe("u-default");
  });

  it("never the other name: a plain cookie beside an https session, or a leftover https one over http", async () => {
    const plain = `${PLAIN}=${await issue("u-planted", PLAIN)}`;
    const secure = `${SECURE}=${await issue("u-real", SECURE)}`;
    expect(await sessionUserId(over(plain, "https"), Date.now())).toBeNull();
    expect(await sessionUserId(over(`${plain}; ${secure}`, "https"), Date.now())).toBe("u-real");
    expect(await sessionUserId(over(secure, "http"), Date.now())).toBeNull();
    // AUTH_URL decides over the forwarded protocol, as in Auth.js.
    process.env.AUTH_URL = "https://slipway.example.com";
    expect(await sessionUserId(over(secure, "http"), Date.now())).toBe("u-real");
    expect(await sessionUserId(over(plain, "http"), Date.now())).toBeNull();
  });

  it("refuses a token issued under the other name, with another secret, tampered, or absent", async () => {
    expect(await sessionUserId(over(`${PLAIN}=${await issue("u1", SECURE)}`), Date.now())).toBeNull();
    expect(await sessionUserId(over(`${PLAIN}=${await issue("u1", PLAIN, 3600, "another-secret-0123456789abcdef0123")}`), Date.now())).toBeNull();
    const token = await issue("u1", PLAIN);
    const tampered = token.slice(0, -6) + (token.endsWith("AAAAAA") ? "BBBBBB" : "AAAAAA");
    expect(await sessionUserId(over(`${PLAIN}=${tampered}`), Date.now())).toBeNull();
    expect(await sessionUserId(over(null), Date.now())).toBeNull();
    expect(await sessionUserId(over("theme=dark"), Date.now())).toBeNull();
  });

  it("checks expiry on every read, also for a token it has decoded before", async () => {
    const cookie = over(`${PLAIN}=${await issue("u-expiring", PLAIN, 60)}`);
    expect(await sessionUserId(cookie, Date.now())).toBe("u-expiring");
    expect(await sessionUserId(cookie, Date.now() + 30_000)).toBe("u-expiring");
    expect(await sessionUserId(cookie, Date.now() + 120_000)).toBeNull();
  });

  it("a token without Slipway's uid claim is no session", async () => {
    const token = await encode({ token: { sub: "x" }, secret: SECRET, salt: PLAIN, maxAge: 60 });
    expect(await sessionUserId(over(`${PLAIN}=${token}`), Date.now())).toBeNull();
  });
});
