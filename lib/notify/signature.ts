import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Webhook signatures. Slipway signs `"<timestamp>.<body>"` with HMAC-SHA256 and the channel's
 * secret and sends:
 *
 *   X-Slipway-Timestamp: 1767225600                  (unix seconds)
 *   X-Slipway-Signature: sha256=<64 lowercase hex>
 *
 * A receiver checks it with the RAW request body (before any JSON parsing), e.g.
 *
 *   const ok = verifySignature(receiverSecret, req.headers["x-slipway-timestamp"],
 *                              rawBody, req.headers["x-slipway-signature"], { toleranceSeconds: 300 });
 *   if (!ok) return res.writeHead(401).end();
 *
 * and dedupes on X-Slipway-Delivery: a retry carries the same delivery id (and a fresh timestamp
 * and signature). Signing the timestamp together with the body makes a captured request useless
 * once it is older than the tolerance.
 */

export const SIGNATURE_PREFIX = "sha256=";

/** The X-Slipway-Signature value for this timestamp (unix seconds) and body. */
export function signPayload(secret: string, timestamp: number | string, body: string): string {
  return SIGNATURE_PREFIX + createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");
}

export interface VerifyOptions {
  /** How old (or how far in the future) the timestamp may be. Default 300 s. */
  toleranceSeconds?: number;
  /** The receiver's current time. Default: now. */
  now?: Date;
}

/**
 * True when `header` is the signature of this timestamp and body under `secret` and the timestamp
 * is within the tolerance. The comparison takes constant time, so it leaks nothing about the
 * expected signature.
 */
export function verifySignature(secret: string, timestamp: number | string | null | undefined, body: string, header: string | null | undefined, options: VerifyOptions = {}): boolean {
  if (!secret || timestamp === null || timestamp === undefined || !header) return false;
  const stamp = String(timestamp).trim();
  if (!/^\d{1,15}$/.test(stamp)) return false;
  const toleranceSeconds = options.toleranceSeconds ?? 300;
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSeconds - Number(stamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(signPayload(secret, stamp, body), "utf8");
  const given = Buffer.from(header.trim(), "utf8");
  // timingSafeEqual needs equal lengths; the length of a well-formed signature is public anyway.
  if (given.length !== expected.length) return false;
  return timingSafeEqual(given, expected);
}
