import { describe, expect, it } from "vitest";
import { notificationChannelSchema } from "@/lib/config/schema";
import { deploymentUrl, resolveUrl, SLIPWAY_EVENTS, type DeploymentData, type SlipwayEvent } from "./events";
import { renderSlackMessage, SLACK_TEXT_LIMIT } from "./slack";
import { signPayload, verifySignature } from "./signature";
import { buildWebhookRequest } from "./webhook";

const base: DeploymentData = {
  environment: "prod",
  deploymentId: "dep_9",
  kind: "promote",
  release: { id: "rel_9", commit: "81f4933aa0d1c2b3e4f5a6b7c8d9e0f1a2b3c4d5", branch: "main" },
  versions: [
    { app: "portal", version: "1.5.0" },
    { app: "admin", version: "2.5.1" },
  ],
  requestedBy: { name: "Lee Morgan" },
  url: "https://slipway.example.com/deployments/dep_9",
};
const text = (event: SlipwayEvent) => renderSlackMessage(event).text;
const link = " — <https://slipway.example.com/deployments/dep_9|view>";

describe("Slack messages", () => {
  it("says in one line what happened, where, to which release, by whom", () => {
    expect(text({ event: "deployment.started", data: base })).toBe(`🚀 prod: deploying release 81f4933 (portal 1.5.0, admin 2.5.1), requested by Lee Morgan${link}`);
    expect(text({ event: "deployment.succeeded", data: base })).toBe(`✅ prod: release 81f4933 (portal 1.5.0, admin 2.5.1) deployed by Lee Morgan${link}`);
    expect(text({ event: "deployment.succeeded", data: { ...base, kind: "fast-track" } })).toBe(`✅ prod: release 81f4933 (portal 1.5.0, admin 2.5.1) fast-tracked by Lee Morgan${link}`);
    expect(text({ event: "deployment.failed", data: { ...base, failureReason: "smoke check home returned 502" } })).toBe(`❌ prod: release 81f4933 (portal 1.5.0, admin 2.5.1) failed: smoke check home returned 502${link}`);
    expect(text({ event: "deployment.rolled-back", data: { ...base, kind: "rollback", automatic: true, reason: "error budget burning 14x", from: { id: "rel_8", commit: "aaaaaaabbbb", branch: "main" } } })).toBe(
      `↩️ prod: automatically rolled back to release 81f4933 (portal 1.5.0, admin 2.5.1) from aaaaaaa: error budget burning 14x${link}`,
    );
    expect(text({ event: "approval.needed", data: { ...base, approvals: [{ role: "pm", needed: 1 }] } })).toBe(`🔔 prod needs 1 product manager approval for release 81f4933 (portal 1.5.0, admin 2.5.1), requested by Lee Morgan${link}`);
    expect(
      text({
        event: "approval.needed",
        data: {
          ...base,
          approvals: [
            { role: "pm", needed: 1 },
            { role: "tech-lead", needed: 2 },
          ],
        },
      }),
    ).toContain("needs 1 product manager approval and 2 tech lead approvals for");
    expect(text({ event: "approval.given", data: { ...base, approver: { name: "Pat Kim" }, role: "pm", comment: "go", remaining: [] } })).toBe(
      `👍 prod: Pat Kim (product manager) approved release 81f4933 (portal 1.5.0, admin 2.5.1): “go”; all approvals given${link}`,
    );
    expect(text({ event: "approval.rejected", data: { ...base, approver: { name: "Pat Kim" }, role: "pm", comment: "not during the sale" } })).toBe(
      `🚫 prod: Pat Kim (product manager) rejected release 81f4933 (portal 1.5.0, admin 2.5.1): “not during the sale”${link}`,
    );
    expect(text({ event: "gate.blocked", data: { ...base, gates: [{ kind: "freeze", message: "Black Friday until 28 Nov" }] } })).toBe(
      `⛔ prod: release 81f4933 (portal 1.5.0, admin 2.5.1) is blocked: freeze (Black Friday until 28 Nov)${link}`,
    );
  });

  it("escapes Slack's control characters and stays under Slack's limits", () => {
    const message = renderSlackMessage({ event: "deployment.failed", data: { ...base, failureReason: `<!channel> a & b ${"y".repeat(10_000)}` } });
    expect(message.text).toContain("&lt;!channel&gt; a &amp; b");
    expect(message.text).not.toContain("<!channel>");
    expect(message.text.length).toBeLessThanOrEqual(SLACK_TEXT_LIMIT);
    expect(message.text.endsWith(link)).toBe(true);
    const many = Array.from({ length: 40 }, (_, i) => ({ app: `app-${i}`, version: "1.0.0" }));
    expect(text({ event: "deployment.started", data: { ...base, versions: many } })).toContain("+32 more");
  });

  it("links relative URLs through the base URL, and leaves the link out without one", () => {
    const relative = { ...base, url: "/deployments/dep_9" };
    expect(renderSlackMessage({ event: "deployment.started", data: relative }, { baseUrl: "https://slipway.example.com" }).text).toContain(link);
    expect(renderSlackMessage({ event: "deployment.started", data: relative }).text).not.toContain("<");
    expect(resolveUrl("/deployments/dep_9", "https://example.com/slipway")).toBe("https://example.com/slipway/deployments/dep_9");
    expect(resolveUrl("https://other.example/x", "https://example.com")).toBe("https://other.example/x");
    expect(deploymentUrl("https://example.com/", "dep_1")).toBe("https://example.com/deployments/dep_1");
  });

  it("knows every event a channel can subscribe to", () => {
    for (const event of SLIPWAY_EVENTS) {
      expect(notificationChannelSchema.safeParse({ name: "c", type: "slack", url: "https://x.example", events: [event] }).success).toBe(true);
    }
  });
});

describe("webhook signatures", () => {
  const now = new Date("2026-03-02T10:00:00Z");
  const ts = Math.floor(now.getTime() / 1000);

  it("signs <timestamp>.<body> with HMAC-SHA256", () => {
    // printf '%s' '1772445600.{"a":1}' | openssl dgst -sha256 -hmac secret
    expect(signPayload("secret", ts, '{"a":1}')).toBe("sha256=2235e1eaebe27e5543cf4a2e961bc82b816d9acb874d46bebf64342326ae64f5");
    expect(signPayload("secret", ts, '{"a":1}')).toBe(signPayload("secret", String(ts), '{"a":1}'));
    expect(signPayload("secret", ts, '{"a":1}')).not.toBe(signPayload("secret", ts + 1, '{"a":1}'));
  });

  it("verifies only the exact body, timestamp and secret, within the tolerance", () => {
    const body = '{"id":"ntf_1","event":"deployment.started"}';
    const signature = signPayload("secret", ts, body);
    expect(verifySignature("secret", String(ts), body, signature, { now })).toBe(true);
    expect(verifySignature("secret", String(ts), `${body} `, signature, { now })).toBe(false);
    expect(verifySignature("secret", String(ts + 1), body, signature, { now })).toBe(false);
    expect(verifySignature("other", String(ts), body, signature, { now })).toBe(false);
    expect(verifySignature("secret", String(ts), body, signature.slice(0, -1), { now })).toBe(false);
    expect(verifySignature("secret", String(ts), body, undefined, { now })).toBe(false);
    expect(verifySignature("secret", "yesterday", body, signature, { now })).toBe(false);
    const later = new Date(now.getTime() + 301_000);
    expect(verifySignature("secret", ts, body, signature, { now: later })).toBe(false);
    expect(verifySignature("secret", ts, body, signature, { now: later, toleranceSeconds: 600 })).toBe(true);
    const earlier = new Date(now.getTime() - 301_000); // a timestamp from the future is refused too
    expect(verifySignature("secret", ts, body, signature, { now: earlier })).toBe(false);
  });

  it("builds the webhook request with its headers", () => {
    const request = buildWebhookRequest({ deliveryId: "ntf_1", event: "gate.blocked", occurredAt: now.toISOString(), data: { a: 1 }, secret: "secret", now });
    expect(JSON.parse(request.body)).toEqual({ id: "ntf_1", event: "gate.blocked", occurredAt: "2026-03-02T10:00:00.000Z", data: { a: 1 } });
    expect(request.headers).toMatchObject({
      "Content-Type": "application/json",
      "X-Slipway-Event": "gate.blocked",
      "X-Slipway-Delivery": "ntf_1",
      "X-Slipway-Timestamp": String(ts),
      "X-Slipway-Signature": signPayload("secret", ts, request.body),
    });
  });
});
