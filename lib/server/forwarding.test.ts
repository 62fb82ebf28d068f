import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { applyForwardingTrust, clientAddress, CLIENT_IP_HEADER, parseTrustedProxies, refusedServerAction } from "./forwarding";

const request = (peer: string, headers: Record<string, string>, method = "POST", url = "/environments/qa") => ({ method, url, headers: { ...headers }, socket: { remoteAddress: peer } }) as unknown as IncomingMessage;

describe("forwarding headers", () => {
  const none = parseTrustedProxies("");
  const proxies = parseTrustedProxies("10.0.0.5, 10.1.0.0/16, ::1");

  it("the issue's example: a caller's own X-Forwarded-For is not its address", () => {
    const req = request("203.0.113.7", { "x-forwarded-for": "1.2.3.4", host: "slipway.example" });
    applyForwardingTrust(req, none);
    expect(req.headers[CLIENT_IP_HEADER]).toBe("203.0.113.7");
    expect(req.headers["x-forwarded-for"]).toBeUndefined();
  });

  it("a caller cannot hand in the derived header either", () => {
    const req = request("203.0.113.7", { [CLIENT_IP_HEADER]: "1.2.3.4" });
    applyForwardingTrust(req, proxies);
    expect(req.headers[CLIENT_IP_HEADER]).toBe("203.0.113.7");
  });

  it("behind a trusted proxy the client is the nearest untrusted hop, read from the right", () => {
    expect(clientAddress("10.0.0.5", "1.2.3.4, 198.51.100.9", proxies)).toBe("198.51.100.9");
    expect(clientAddress("::ffff:10.0.0.5", "198.51.100.9, 10.1.2.3", proxies)).toBe("198.51.100.9");
    expect(clientAddress("10.0.0.5", "not-an-ip", proxies)).toBe("10.0.0.5");
    expect(clientAddress("::1", undefined, proxies)).toBe("::1");
    const req = request("10.0.0.5", { "x-forwarded-for": "198.51.100.9", "x-forwarded-host": "slipway.example" });
    applyForwardingTrust(req, proxies);
    expect(req.headers["x-forwarded-host"]).toBe("slipway.example");
    expect(req.headers[CLIENT_IP_HEADER]).toBe("198.51.100.9");
  });

  it.each(["10.0.0.300", "10.0.0.0/33", "proxy.internal", "10.0.0.1/8/2", "::1/129"])("refuses SLIPWAY_TRUSTED_PROXIES entry %j by name", (entry) => {
    expect(() => parseTrustedProxies(`10.0.0.5,${entry}`)).toThrow(entry);
  });
});

describe("the server-action origin check", () => {
  const none = parseTrustedProxies("");

  it("the issue's example: a matching X-Forwarded-Host from an untrusted caller does not make a foreign Origin pass (403)", () => {
    const req = request("203.0.113.7", { "next-action": "abc", origin: "http://evil.example", host: "localhost:3000", "x-forwarded-host": "evil.example" });
    applyForwardingTrust(req, none);
    expect(refusedServerAction(req)).toMatch(/evil\.example is not this site/);
  });

  it("the same header from a trusted proxy is the site's public host", () => {
    const req = request("10.0.0.5", { "next-action": "abc", origin: "https://slipway.example", host: "10.0.0.9:3000", "x-forwarded-host": "slipway.example" });
    applyForwardingTrust(req, parseTrustedProxies("10.0.0.5"));
    expect(refusedServerAction(req)).toBeNull();
  });

  it.each([
    [{ "next-action": "abc", host: "localhost:3000" }, /needs an Origin/],
    [{ "next-action": "abc", host: "localhost:3000", origin: "null" }, /needs an Origin/],
    [{ host: "localhost:3000", origin: "http://evil.example", "content-type": "multipart/form-data" }, /not this site/],
  ])("refuses %j", (headers, reason) => {
    expect(refusedServerAction(request("127.0.0.1", headers))).toMatch(reason);
  });

  it("lets same-origin actions, reads and the token API through", () => {
    expect(refusedServerAction(request("127.0.0.1", { "next-action": "abc", host: "localhost:3000", origin: "http://localhost:3000" }))).toBeNull();
    expect(refusedServerAction(request("127.0.0.1", { host: "localhost:3000" }, "GET"))).toBeNull();
    expect(refusedServerAction(request("127.0.0.1", { host: "localhost:3000" }, "POST", "/api/v1/builds"))).toBeNull();
  });
});
