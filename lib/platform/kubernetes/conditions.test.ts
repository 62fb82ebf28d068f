import { describe, expect, it } from "vitest";
import { podBackOff, podRestarts, podRunning, type PodJson } from "./conditions";

const pod = (containerStatuses: NonNullable<PodJson["status"]>["containerStatuses"]): PodJson => ({ metadata: { name: "portal-blue-web-7d9f-abcde" }, status: { phase: "Running", containerStatuses } });

describe("a pod's restarts as the instances list shows them", () => {
  it("reads CrashLoopBackOff's wait from the kubelet's message and ends it at the last exit plus that wait", () => {
    const looping = pod([
      {
        name: "app",
        restartCount: 4,
        state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container=app pod=portal-blue-web-7d9f-abcde_shop-dev(1234)" } },
        lastState: { terminated: { finishedAt: "2026-03-01T10:00:00Z" } },
      },
    ]);
    expect(podRestarts(looping)).toBe(4);
    // The pod's phase stays Running while its container waits out the back-off: not running, so the list shows the back-off.
    expect(podRunning(looping)).toBe(false);
    expect(podRunning(pod([{ restartCount: 4, state: { running: {} } }]))).toBe(true);
    expect(podBackOff(looping)).toEqual({ seconds: 40, until: "2026-03-01T10:00:40.000Z" });
    expect(podBackOff(pod([{ restartCount: 9, state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 5m0s restarting failed container=app" } } }]))).toEqual({ seconds: 300, until: null });
    expect(podBackOff(pod([{ state: { waiting: { reason: "CrashLoopBackOff" } } }]))).toEqual({ seconds: null, until: null });
  });

  it("has none while the container runs or waits for another reason", () => {
    expect(podBackOff(pod([{ restartCount: 2, state: {} }]))).toBeNull();
    expect(podBackOff(pod([{ state: { waiting: { reason: "ImagePullBackOff", message: "Back-off pulling image" } } }]))).toBeNull();
    expect(podBackOff({ metadata: { name: "p" } })).toBeNull();
  });
});
