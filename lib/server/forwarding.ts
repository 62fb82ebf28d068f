import { BlockList, isIP } from "node:net";
import type { IncomingMessage } from "node:http";

/**
 * Which forwarding headers Slipway believes. `X-Forwarded-For`, `-Host`, `-Proto`, `-Port`,
 * `X-Real-IP` and `Forwarded` are believed only when the TCP peer is one of SLIPWAY_TRUSTED_PROXIES;
 * from anyone else they are removed before Next sees the request, so neither the audit trail nor
 * the server-action origin check can be steered by a header the caller chose.
 */

/** The header carrying the client address Slipway worked out; any copy a caller sends is dropped. */
export const CLIENT_IP_HEADER = "x-slipway-client-ip";

const FORWARDING_HEADERS = ["x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-real-ip", "forwarded", CLIENT_IP_HEADER];

export interface TrustedProxies {
  /** True when `address` (IPv4, IPv6 or IPv4-mapped IPv6) is a configured proxy. */
  has(address: string | undefined): boolean;
  readonly entries: readonly string[];
}

/**
 * Parses SLIPWAY_TRUSTED_PROXIES: comma-separated IP addresses and CIDR ranges, e.g.
 * `10.0.0.5, 10.1.0.0/16, ::1`. Empty means no proxy is trusted.
 *
 * @throws Error naming each entry that is not an address or a range
 */
export function parseTrustedProxies(value: string | undefined): TrustedProxies {
  const list = new BlockList();
  const entries = (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const bad: string[] = [];
  for (const entry of entries) {
    const [address, prefix, extra] = entry.split("/");
    const family = isIP(address ?? "");
    if (!family || extra !== undefined) {
      bad.push(entry);
      continue;
    }
    const type = family === 6 ? "ipv6" : "ipv4";
    if (prefix === undefined) {
      list.addAddress(address!, type);
      continue;
    }
    const bits = Number(prefix);
    if (!/^\d{1,3}$/.test(prefix) || bits > (family === 6 ? 128 : 32)) {
      bad.push(entry);
      continue;
    }
    list.addSubnet(address!, bits, type);
  }
  if (bad.length) throw new Error(`expected IP addresses or CIDR ranges separated by commas (e.g. 10.0.0.5,10.1.0.0/16); not understood: ${bad.join(", ")}`);
  return {
    entries,
    has(raw) {
      const address = normalise(raw);
      if (!address) return false;
      const family = isIP(address);
      return family !== 0 && list.check(address, family === 6 ? "ipv6" : "ipv4");
    },
  };
}

/** `::ffff:10.0.0.5` → `10.0.0.5`; anything that is not an address → undefined. */
function normalise(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const trimmed = raw.trim().replace(/^\[(.*)\]$/, "$1");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  const address = mapped ? mapped[1]! : trimmed;
  return isIP(address) ? address : undefined;
}

/**
 * The client's address: the socket's peer, unless that peer is a trusted proxy — then the
 * nearest address in `X-Forwarded-For` (read from the right) that is not itself a trusted proxy.
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | undefined, trusted: TrustedProxies): string | undefined {
  const peer = normalise(socketAddress);
  if (!peer || !trusted.has(peer) || !forwardedFor) return peer;
  const hops = forwardedFor
    .split(",")
    .map((s) => normalise(s))
    .filter((s): s is string => Boolean(s));
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    if (!trusted.has(hops[i])) return hops[i];
  }
  return hops[0] ?? peer;
}

/**
 * Rewrites an incoming request's headers in place: forwarding headers stay only when the peer is a
 * trusted proxy, and `x-slipway-client-ip` carries the client address worked out above.
 */
export function applyForwardingTrust(req: IncomingMessage, trusted: TrustedProxies): void {
  const peer = req.socket.remoteAddress;
  const forwardedFor = typeof req.headers["x-forwarded-for"] === "string" ? req.headers["x-forwarded-for"] : undefined;
  const address = clientAddress(peer, forwardedFor, trusted);
  const fromProxy = trusted.has(peer);
  for (const name of FORWARDING_HEADERS) {
    if (!fromProxy || name === CLIENT_IP_HEADER) delete req.headers[name];
  }
  if (address) req.headers[CLIENT_IP_HEADER] = address;
}

/**
 * Why a server-action POST must be refused before Next runs it, or null. Its `Origin` must be the
 * host the request was sent to (the `Host` header, or `X-Forwarded-Host` when a trusted proxy set
 * it — untrusted copies are already gone). Next would refuse a mismatch too, but with a 500.
 */
export function refusedServerAction(req: Pick<IncomingMessage, "method" | "headers" | "url">): string | null {
  // Server actions are POSTs to pages (with a Next-Action header, or a plain form post without
  // JavaScript); the REST API under /api/ authenticates with tokens and is not a server action.
  const path = (req.url ?? "/").split("?")[0]!;
  if (req.method !== "POST" || path.startsWith("/api/")) return null;
  const origin = req.headers.origin;
  if (!origin || origin === "null") return "a server action needs an Origin header from this site";
  let originHost: string;
  try {
    originHost = new URL(origin).host.toLowerCase();
  } catch {
    return "the Origin header is not a URL";
  }
  const forwardedHost = req.headers["x-forwarded-host"];
  const host = (typeof forwardedHost === "string" ? forwardedHost.split(",")[0]!.trim() : (req.headers.host ?? "")).toLowerCase();
  if (!host || originHost !== host) return `the Origin ${origin} is not this site (${host || "no Host header"})`;
  return null;
}
