import { CLIENT_IP_HEADER } from "@/lib/server/forwarding";
import { NextResponse, type NextRequest } from "next/server";
import { getDb } from "@/db/client";
import { errorResponse, toErrorResponse } from "@/lib/api/errors";
import { parseJsonBody, readRawBody } from "@/lib/api/body";
import { systemClock } from "@/lib/domain/clock";
import { verifySignature } from "@/lib/notify/signature";
import { applyIncidentWebhook } from "@/lib/services/incidents";
import { deliveryKeys, oncePerDelivery } from "@/lib/services/webhook-deliveries";

/**
 * POST /api/v1/webhooks/incidents: an incident tool opens and resolves incidents. Not token
 * authenticated but signed: `X-Slipway-Timestamp: <unix seconds>` and
 * `X-Slipway-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">` under the secret in
 * SLIPWAY_INCIDENT_WEBHOOK_SECRET (read per request, so rotating it needs no restart). The HMAC
 * covers the exact bytes sent, so the body is read raw and parsed only once the signature holds.
 * Each delivery is applied once: its X-Slipway-Delivery id (optional) and its signature are
 * remembered while the signature could still be accepted; a replay answers 409 replayed_delivery.
 * Deliberately free of next-auth: nothing here looks at sessions or tokens.
 */

/** How far the sender's timestamp may be from our clock, either way. */
const SIGNATURE_TOLERANCE_SECONDS = 300;

function unauthorized(message: string) {
  return errorResponse(401, "invalid_signature", message);
}

export async function POST(request: NextRequest): Promise<Response> {
  try {
    const secret = process.env.SLIPWAY_INCIDENT_WEBHOOK_SECRET;
    if (!secret) {
      return errorResponse(503, "webhook_not_configured", "The incident webhook is off: set SLIPWAY_INCIDENT_WEBHOOK_SECRET on the Slipway server to the secret your incident tool signs with.");
    }
    const raw = await readRawBody(request);
    const timestamp = request.headers.get("x-slipway-timestamp")?.trim() ?? "";
    const signature = request.headers.get("x-slipway-signature");
    if (!/^\d{1,15}$/.test(timestamp) || !signature) {
      return unauthorized('Send X-Slipway-Timestamp (unix seconds) and X-Slipway-Signature (sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">).');
    }
    const now = systemClock.now();
    const skew = Math.abs(Math.floor(now.getTime() / 1000) - Number(timestamp));
    if (skew > SIGNATURE_TOLERANCE_SECONDS) {
      return unauthorized(`X-Slipway-Timestamp is ${skew} s away from Slipway's clock (at most ${SIGNATURE_TOLERANCE_SECONDS} s): sign each delivery when you send it.`);
    }
    if (!verifySignature(secret, timestamp, raw, signature, { toleranceSeconds: SIGNATURE_TOLERANCE_SECONDS, now })) {
      return unauthorized('X-Slipway-Signature does not match the body: sign "<timestamp>.<raw body>" with HMAC-SHA256 and the shared secret.');
    }
    const payload = parseJsonBody(request, raw);
    const keys = deliveryKeys({ deliveryId: request.headers.get("x-slipway-delivery"), signature, rawBody: raw });
    // The claim and the change share one transaction: a replay is refused (409), a failed delivery can be retried.
    const result = await oncePerDelivery(await getDb(), systemClock, "incident", keys, (tx) =>
      applyIncidentWebhook(tx, systemClock, payload, {
        ip: request.headers.get(CLIENT_IP_HEADER) || undefined,
        userAgent: request.headers.get("user-agent") ?? undefined,
      }),
    );
    const created = result.changed && result.incident?.state === "open";
    return NextResponse.json(result, { status: created ? 201 : 200 });
  } catch (error) {
    return toErrorResponse(error);
  }
}
