import { describe, expect, it } from "vitest";
import { deploymentActivity } from "./deployment-activity";
import { planRollout } from "./rollout-plan";

const plan = planRollout({ apps: ["portal", "admin"], kind: "promote", strategy: "rolling", migrations: {}, smoke: [], hooks: [] });
/** The plan's steps with the first `done` succeeded and the next one running. */
const progress = (done: number) => plan.map((step, i) => ({ state: i < done ? "succeeded" : i === done ? "running" : "pending", detail: step }));

describe("deploymentActivity", () => {
  it("says traffic is shifting, and how far, while a rolling shift step runs", () => {
    const shift = plan.findIndex((s) => s.action === "shift" && s.percent === 50);
    expect(shift).toBeGreaterThan(0);
    expect(deploymentActivity("verifying", progress(shift))).toBe("shifting traffic 50 %");
  });

  it("says what the step in flight does for the other phases", () => {
    expect(deploymentActivity("running", progress(0))).toBe("starting the new release");
    expect(deploymentActivity("verifying", progress(plan.findIndex((s) => s.action === "verify")))).toBe("verifying");
    expect(deploymentActivity("verifying", progress(plan.findIndex((s) => s.action === "switch")))).toBe("switching traffic");
    const recreate = planRollout({ apps: ["portal"], kind: "promote", strategy: "recreate", migrations: {}, smoke: [], hooks: [] });
    expect(
      deploymentActivity(
        "running",
        recreate.map((s, i) => ({ state: i === 0 ? "running" : "pending", detail: s })),
      ),
    ).toBe("closing for maintenance");
  });

  it("is null outside a rollout or when steps carry no plan", () => {
    expect(deploymentActivity("waiting", progress(0))).toBeNull();
    expect(deploymentActivity("succeeded", progress(plan.length))).toBeNull();
    expect(deploymentActivity("running", [{ state: "running", detail: { action: "unknown" } }])).toBeNull();
    expect(deploymentActivity("running", [])).toBeNull();
  });
});
