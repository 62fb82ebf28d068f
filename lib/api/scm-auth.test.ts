import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { authenticateDelivery, providerOf } from "./scm-auth";

const secret = "s3cret-webhook";
const body = JSON.stringify({ action: "opened" });
const sign = (raw: string, key = secret) => "sha256=" + createHmac("sha256", key).update(raw).digest("hex");

describe("source-control delivery authentication", () => {
  it("tells GitHub from GitLab by their event headers", () => {
    expect(providerOf(new Headers({ "x-github-event": "pull_request" }))).toEqual({ provider: "github", event: "pull_request" });
    expect(providerOf(new Headers({ "x-gitlab-event": "Merge Request Hook" }))).toEqual({ provider: "gitlab", event: "Merge Request Hook" });
    expect(providerOf(new Headers({}))).toBeNull();
  });

  it("accepts GitHub's HMAC of the exact body and refuses anything else", () => {
    expect(authenticateDelivery("github", new Headers({ "x-hub-signature-256": sign(body) }), body, secret)).toBeNull();
    expect(authenticateDelivery("github", new Headers({ "x-hub-signature-256": sign(body) }), body + " ", secret)).toMatch(/does not match/);
    expect(authenticateDelivery("github", new Headers({ "x-hub-signature-256": sign(body, "other") }), body, secret)).toMatch(/does not match/);
    expect(authenticateDelivery("github", new Headers({ "x-hub-signature-256": "sha256=abc" }), body, secret)).toMatch(/does not match/);
    expect(authenticateDelivery("github", new Headers({}), body, secret)).toMatch(/Send X-Hub-Signature-256/);
  });

  it("accepts GitLab's token only when it is the secret", () => {
    expect(authenticateDelivery("gitlab", new Headers({ "x-gitlab-token": secret }), body, secret)).toBeNull();
    expect(authenticateDelivery("gitlab", new Headers({ "x-gitlab-token": secret + "x" }), body, secret)).toMatch(/not the secret/);
    expect(authenticateDelivery("gitlab", new Headers({}), body, secret)).toMatch(/Send X-Gitlab-Token/);
  });
});
