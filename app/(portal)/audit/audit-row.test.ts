import { describe, expect, it } from "vitest";
import type { AuditEventSummary } from "@/lib/services/audit-queries";
import { auditRow, type KnownPipelines } from "./audit-row";

const pipelines: KnownPipelines = {
  names: new Set(["shop", "ledger"]),
  nameById: new Map([
    ["pip_shop", "shop"],
    ["pip_ledger", "ledger"],
  ]),
};

function event(targetType: string, targetId: string | null): AuditEventSummary {
  return {
    id: "aud_1",
    seq: 7,
    at: new Date("2026-11-30T12:00:00Z"),
    actorId: null,
    actorLabel: "slipway",
    action: "x.y",
    targetType,
    targetId,
    outcome: "allowed",
    reason: null,
    source: "ui",
    ip: null,
    prevHash: "0",
    hash: "1",
    dataBytes: 0,
  };
}

describe("an audit row's target", () => {
  it("names a pipeline by its name and links its board, an older event's recorded id included", () => {
    expect(auditRow(event("pipeline", "shop"), pipelines)).toMatchObject({ targetId: "shop", targetLabel: "shop", href: "/pipelines/shop" });
    expect(auditRow(event("pipeline", "pip_ledger"), pipelines)).toMatchObject({ targetId: "pip_ledger", targetLabel: "ledger", href: "/pipelines/ledger" });
    // A pipeline removed since: shown as recorded, no link.
    expect(auditRow(event("pipeline", "pip_gone"), pipelines)).toMatchObject({ targetLabel: "pip_gone", href: null });
  });

  it("links environments qualified, deployments and releases by id, and leaves a pull request unlinked", () => {
    expect(auditRow(event("environment", "shop/dev"), pipelines)).toMatchObject({ targetLabel: "shop/dev", href: "/pipelines/shop/environments/dev" });
    expect(auditRow(event("environment", "feature/cart"), pipelines).href).toBeNull();
    expect(auditRow(event("release", "rel_1"), pipelines).href).toBe("/releases/rel_1");
    expect(auditRow(event("deployment", "dep_1"), pipelines).href).toBe("/deployments/dep_1");
    expect(auditRow(event("pull-request", "acme/shop#12"), pipelines)).toMatchObject({ targetLabel: "acme/shop#12", href: null });
    expect(auditRow(event("token", null), pipelines)).toMatchObject({ targetLabel: null, href: null });
  });
});
