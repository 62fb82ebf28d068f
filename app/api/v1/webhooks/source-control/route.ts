import { wakeController } from "@/lib/controller/wakeup";
import { CLIENT_IP_HEADER } from "@/lib/server/forwarding";
import { NextResponse, type NextRequest } from "next/server";
import { getDb } from "@/db/client";
import { errorResponse, toErrorResponse } from "@/lib/api/errors";
import { parseJsonBody, readRawBody } from "@/lib/api/body";
import { authenticateDelivery, providerOf } from "@/lib/api/scm-auth";
import { systemClock } from "@/lib/domain/clock";
import { parsePullRequestEvent, SourceControlPayloadError } from "@/lib/domain/scm-events";
import { ValidationError } from "@/lib/services/errors";
import { applyPullRequestEvent } from "@/lib/services/scm-webhook";
import { deliveryKeys, oncePerDelivery } from "@/lib/services/webhook-deliveries";

/**
 * POST /api/v1/webhooks/source-control: pull-request events from GitHub (`X-GitHub-Event`,
 * signed with `X-Hub-Signature-256`) or merge-request events from GitLab (`X-Gitlab-Event`, with
 * `X-Gitlab-Token`), under the shared secret in SLIPWAY_SCM_WEBHOOK_SECRET (read per request).
 * Opened → a review environment for the branch; updated → its new release deployed; closed → torn
 * down. Each delivery is applied once (by X-GitHub-Delivery / X-Gitlab-Event-UUID and by its
 * signature or body, remembered 30 days): a replay answers 409 replayed_delivery. Not token-authenticated and free of sessions: the provider authenticates each delivery.
 */
export async function POST(request: NextRequest): Promise<Response> {
  try {
    const secret = process.env.SLIPWAY_SCM_WEBHOOK_SECRET;
    if (!secret) {
      return errorResponse(503, "webhook_not_configured", "The source-control webhook is off: set SLIPWAY_SCM_WEBHOOK_SECRET on the Slipway server to the secret of your GitHub or GitLab webhook.");
    }
    const sender = providerOf(request.headers);
    if (!sender) return errorResponse(400, "unknown_provider", "Send a GitHub (X-GitHub-Event) or GitLab (X-Gitlab-Event) webhook delivery.");
    const raw = await readRawBody(request);
    const refused = authenticateDelivery(sender.provider, request.headers, raw, secret);
    if (refused) return errorResponse(401, "invalid_signature", refused);

    let event;
    try {
      event = parsePullRequestEvent(sender.provider, sender.event, parseJsonBody(request, raw));
    } catch (error) {
      if (error instanceof SourceControlPayloadError) throw new ValidationError(error.message, error.fields, "invalid_payload");
      throw error;
    }
    if ("ignored" in event) return NextResponse.json({ outcome: "ignored", message: event.ignored });
    const keys = deliveryKeys({
      deliveryId: sender.provider === "github" ? request.headers.get("x-github-delivery") : (request.headers.get("x-gitlab-event-uuid") ?? request.headers.get("idempotency-key")),
      signature: sender.provider === "github" ? request.headers.get("x-hub-signature-256") : null,
      rawBody: raw,
    });
    // The claim and the change share one transaction: a replay is refused (409), a failed delivery can be retried.
    const result = await oncePerDelivery(await getDb(), systemClock, sender.provider, keys, (tx) =>
      applyPullRequestEvent(tx, systemClock, event, {
        ip: request.headers.get(CLIENT_IP_HEADER) || undefined,
        userAgent: request.headers.get("user-agent") ?? undefined,
      }),
    );
    const queuedWork = result.outcome === "created" || result.outcome === "redeployed" || result.outcome === "tearing-down";
    if (queuedWork) wakeController();
    return NextResponse.json(result, { status: queuedWork ? 202 : 200 });
  } catch (error) {
    return toErrorResponse(error);
  }
}
