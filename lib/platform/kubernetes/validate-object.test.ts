import { describe, expect, it } from "vitest";
import { InvalidObjectError, isKnownKind, objectProblems, validateObject } from "./validate-object";

const deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "portal-blue", namespace: "staging", labels: { "app.kubernetes.io/managed-by": "slipway" } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: "portal" } },
    template: { metadata: { labels: { app: "portal" } }, spec: { containers: [{ name: "web", image: `registry.example/portal@sha256:${"a".repeat(64)}` }] } },
  },
};

describe("validateObject", () => {
  it("accepts a valid Deployment and knows the core kinds", () => {
    expect(objectProblems(deployment)).toEqual([]);
    for (const [apiVersion, kind] of [
      ["v1", "Service"],
      ["v1", "Secret"],
      ["batch/v1", "Job"],
      ["networking.k8s.io/v1", "Ingress"],
      ["rbac.authorization.k8s.io/v1", "Role"],
    ] as const) {
      expect(isKnownKind(apiVersion, kind)).toBe(true);
    }
  });

  it("names the path of a schema violation", () => {
    const bad = { ...deployment, spec: { ...deployment.spec, replicas: "two" } };
    expect(objectProblems(bad)).toEqual([{ path: "/spec/replicas", message: "must be integer" }]);
    expect(() => validateObject(bad)).toThrow(InvalidObjectError);
    expect(() => validateObject(bad)).toThrow(/Deployment "portal-blue".*\/spec\/replicas must be integer/);
  });

  it("refuses what the API server refuses beyond the schema: names, label keys and values", () => {
    const problems = objectProblems({
      ...deployment,
      metadata: { name: "Portal_Blue", labels: { "slipway.dev/version": "1.0.0+build/7", "bad key!": "x" } },
    });
    expect(problems.map((p) => p.path)).toEqual(["/metadata/name", "/metadata/labels/slipway.dev/version", "/metadata/labels/bad key!"]);
    expect(objectProblems({ apiVersion: "v1", kind: "Namespace", metadata: { name: "a".repeat(64) } })).toHaveLength(1);
  });

  it("refuses an unknown kind unless asked to let it through", () => {
    const route = { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "portal" } };
    expect(objectProblems(route)[0]?.message).toMatch(/unknown kind gateway.networking.k8s.io\/v1\/HTTPRoute/);
    expect(objectProblems(route, { allowUnknownKinds: true })).toEqual([]);
    expect(objectProblems("nope")).toEqual([{ path: "", message: "is not an object" }]);
  });
});
