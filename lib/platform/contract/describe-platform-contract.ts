import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlatformError, type AppSpec, type AppStatus, type ArtifactRef, type PlatformAdapter } from "../types";

/**
 * What an adapter under contract test brings: the adapter, two healthy builds of app `portal`,
 * and how a person sees the app's address. Everything else is asked through PlatformAdapter only.
 */
export interface ContractHarness {
  adapter: PlatformAdapter;
  /** Two builds of app `portal` whose instances become healthy and report their version on `healthPath`. */
  builds: { v1: ArtifactRef; v2: ArtifactRef };
  healthPath: string;
  /** A job every build runs successfully, and one that exits non-zero. */
  jobs: { succeeds: string; fails: string };
  /** The version a person opening `status.url` gets, or null when it serves no release (closed, asleep, nothing deployed). */
  serving(status: AppStatus): Promise<string | null>;
  /** A person opens the app's address once. */
  visit(status: AppStatus): Promise<void>;
  /** A new adapter object over the same infrastructure, as after a restart of Slipway. */
  reopen(): Promise<PlatformAdapter>;
  /** Stops and removes everything the harness started. */
  cleanup(): Promise<void>;
}

/**
 * The behaviour every platform adapter must show, as a vitest suite: run it with each adapter
 * (`describePlatformContract("local", makeLocal)`). Each test works in an environment of its own.
 */
export function describePlatformContract(name: string, makeHarness: () => Promise<ContractHarness>): void {
  describe(`platform contract: ${name}`, () => {
    let h: ContractHarness;
    let p: PlatformAdapter;
    let n = 0;
    const nextEnv = () => `contract-${++n}`;
    const spec = (environment: string, build: ArtifactRef, overrides: Partial<AppSpec> = {}): AppSpec => ({
      environment,
      app: "portal",
      build,
      instances: 2,
      config: { GREETING: "hello" },
      healthPath: h.healthPath,
      reference: `deployment-${build.version}`,
      ...overrides,
    });
    const status = async (environment: string) => (await p.status(environment, "portal"))!;
    const serving = async (environment: string) => h.serving(await status(environment));
    /** v1 serving, v2 started as the standby. */
    const twoSlots = async (environment: string) => {
      await p.provision(environment);
      await p.ensureActive(spec(environment, h.builds.v1));
      await p.startStandby(spec(environment, h.builds.v2));
    };

    beforeAll(async () => {
      h = await makeHarness();
      p = h.adapter;
    }, 60_000);
    afterAll(async () => {
      await h?.cleanup();
    }, 60_000);

    it("names itself and the strategies it can carry out", () => {
      expect(p.name).toBe(name);
      expect(p.strategies.length).toBeGreaterThan(0);
    });

    it("starts a standby beside nothing: it runs, is healthy, and the address serves nothing yet", async () => {
      const environment = nextEnv();
      await p.provision(environment);
      const slot = await p.startStandby(spec(environment, h.builds.v1));
      expect(slot).toMatchObject({ buildId: h.builds.v1.buildId, digest: h.builds.v1.digest, version: h.builds.v1.version, reference: "deployment-1.0.0" });
      expect(slot.instances).toHaveLength(2);
      expect(slot.instances.every((i) => i.running && i.address.length > 0)).toBe(true);
      const now = await status(environment);
      expect(now.active).toBeNull();
      expect(now.standby?.buildId).toBe(h.builds.v1.buildId);
      expect(await h.serving(now)).toBeNull();
    });

    it("reports each instance's health with the version it runs; an empty slot has no instances", async () => {
      const environment = nextEnv();
      await p.startStandby(spec(environment, h.builds.v1));
      const health = await p.health(environment, "portal", "standby", h.healthPath);
      expect(health).toHaveLength(2);
      expect(health.every((i) => i.status === "healthy" && i.version === h.builds.v1.version)).toBe(true);
      expect(await p.health(environment, "portal", "active", h.healthPath)).toEqual([]);
      expect(await p.health("contract-nowhere", "portal", "active", h.healthPath)).toEqual([]);
    });

    it("switches traffic to the standby; the former active stays warm as the standby", async () => {
      const environment = nextEnv();
      await p.startStandby(spec(environment, h.builds.v1));
      await p.switchTraffic(environment, "portal");
      expect(await serving(environment)).toBe(h.builds.v1.version);
      await p.startStandby(spec(environment, h.builds.v2));
      expect(await serving(environment)).toBe(h.builds.v1.version); // starting a standby moves no traffic
      await p.switchTraffic(environment, "portal");
      const now = await status(environment);
      expect(await h.serving(now)).toBe(h.builds.v2.version);
      expect(now.active?.buildId).toBe(h.builds.v2.buildId);
      expect(now.standby?.buildId).toBe(h.builds.v1.buildId);
    });

    it("refuses to switch or shift to a standby that does not exist, changing nothing", async () => {
      const environment = nextEnv();
      await p.ensureActive(spec(environment, h.builds.v1));
      await expect(p.switchTraffic(environment, "portal")).rejects.toBeInstanceOf(PlatformError);
      await expect(p.shiftTraffic(environment, "portal", 25)).rejects.toBeInstanceOf(PlatformError);
      expect(await serving(environment)).toBe(h.builds.v1.version);
      expect((await status(environment)).standbyShare).toBe(0);
    });

    it("shifts a share of requests to the standby in steps, and back to 0", async () => {
      const environment = nextEnv();
      await twoSlots(environment);
      await p.shiftTraffic(environment, "portal", 25);
      expect((await status(environment)).standbyShare).toBe(25);
      await p.shiftTraffic(environment, "portal", 25); // a retried step
      await p.shiftTraffic(environment, "portal", 75);
      expect((await status(environment)).standbyShare).toBe(75);
      await p.shiftTraffic(environment, "portal", 0);
      const now = await status(environment);
      expect(now.standbyShare).toBe(0);
      expect(await h.serving(now)).toBe(h.builds.v1.version);
    });

    it("rolls back by switching when the target is the warm standby, also when retried", async () => {
      const environment = nextEnv();
      await twoSlots(environment);
      await p.switchTraffic(environment, "portal"); // v2 serves, v1 warm
      expect(await p.rollback(environment, "portal", h.builds.v1)).toBe("switched");
      expect(await serving(environment)).toBe(h.builds.v1.version);
      expect(await p.rollback(environment, "portal", h.builds.v1)).toBe("switched"); // retried: not switched back
      expect(await serving(environment)).toBe(h.builds.v1.version);
    });

    it("answers not-warm when the target is not the warm standby, changing nothing", async () => {
      const environment = nextEnv();
      await twoSlots(environment);
      await p.switchTraffic(environment, "portal");
      await p.stopStandby(environment, "portal");
      expect(await p.rollback(environment, "portal", h.builds.v1)).toBe("not-warm");
      expect(await serving(environment)).toBe(h.builds.v2.version);
      expect(await p.rollback("contract-nowhere", "portal", h.builds.v1)).toBe("not-warm");
    });

    it("closes an app for maintenance and opens it again (each twice: idempotent)", async () => {
      const environment = nextEnv();
      await p.ensureActive(spec(environment, h.builds.v1));
      await p.setMaintenance(environment, "portal", true, 30);
      await p.setMaintenance(environment, "portal", true, 30);
      const closed = await status(environment);
      expect(closed.maintenance).toBe(true);
      expect(await h.serving(closed)).toBeNull();
      await p.setMaintenance(environment, "portal", false);
      await p.setMaintenance(environment, "portal", false);
      const open = await status(environment);
      expect(open.maintenance).toBe(false);
      expect(await h.serving(open)).toBe(h.builds.v1.version);
    });

    it("stops the active slot (recreate): the address serves nothing until a slot serves again", async () => {
      const environment = nextEnv();
      await p.ensureActive(spec(environment, h.builds.v1));
      await p.stopActive(environment, "portal");
      await p.stopActive(environment, "portal");
      expect(await serving(environment)).toBeNull();
      await p.startStandby(spec(environment, h.builds.v2));
      await p.switchTraffic(environment, "portal");
      expect(await serving(environment)).toBe(h.builds.v2.version);
    });

    it("runs a job once with its exit status and output", async () => {
      const environment = nextEnv();
      const job = (name: string) => ({ environment, app: "portal", build: h.builds.v1, job: name, config: {}, reference: `job-${name}` });
      const ok = await p.runJob(job(h.jobs.succeeds));
      expect(ok.exitCode).toBe(0);
      expect(ok.output.length).toBeGreaterThan(0);
      const failed = await p.runJob(job(h.jobs.fails));
      expect(failed.exitCode).not.toBe(0);
    });

    it("sleeps (nothing runs, the address stays) and wakes on ensureActive; a visit shows as a newer request", async () => {
      const environment = nextEnv();
      await p.ensureActive(spec(environment, h.builds.v1));
      await h.visit(await status(environment));
      const before = (await status(environment)).lastRequestAt;
      await p.sleep(environment);
      const asleep = await status(environment);
      expect(asleep).toMatchObject({ asleep: true, active: null, standby: null });
      expect(asleep.url).toBeTruthy();
      expect(await h.serving(asleep)).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 5));
      await h.visit(asleep);
      const visited = (await status(environment)).lastRequestAt;
      expect(visited).not.toBeNull();
      expect(new Date(visited!).getTime()).toBeGreaterThan(before ? new Date(before).getTime() : 0);
      await p.ensureActive(spec(environment, h.builds.v1, { reference: "wake" }));
      const awake = await status(environment);
      expect(awake.asleep).toBe(false);
      expect(await h.serving(awake)).toBe(h.builds.v1.version);
    });

    it("destroys an environment: nothing of it runs or is listed; destroying again is fine", async () => {
      const environment = nextEnv();
      await twoSlots(environment);
      await p.destroy(environment);
      expect(await p.status(environment, "portal")).toBeNull();
      expect((await p.inventory()).some((s) => s.environment === environment)).toBe(false);
      await p.destroy(environment);
    });

    it("lists what runs, and a restarted Slipway adopts it instead of starting it again", async () => {
      const environment = nextEnv();
      const first = await p.ensureActive(spec(environment, h.builds.v1));
      const listed = (await p.inventory()).find((s) => s.environment === environment && s.app === "portal");
      expect(listed?.active?.buildId).toBe(h.builds.v1.buildId);
      const again = await h.reopen();
      const adopted = await again.ensureActive(spec(environment, h.builds.v1));
      expect(adopted.url).toBe(first.url);
      expect(adopted.active?.startedAt).toBe(first.active?.startedAt); // the same instances, not new ones
      expect(await h.serving(adopted)).toBe(h.builds.v1.version);
    });

    it("retries are idempotent: provision, startStandby with the same reference, stops", async () => {
      const environment = nextEnv();
      await p.provision(environment);
      await p.provision(environment);
      const first = await p.startStandby(spec(environment, h.builds.v1));
      const retried = await p.startStandby(spec(environment, h.builds.v1));
      expect(retried.startedAt).toBe(first.startedAt);
      expect(retried.instances.map((i) => i.address)).toEqual(first.instances.map((i) => i.address));
      await p.stopStandby(environment, "portal");
      await p.stopStandby(environment, "portal");
      expect((await status(environment)).standby).toBeNull();
    });

    it("refuses a build it cannot run (no artifact, a digest never seen) with a permanent PlatformError, starting nothing", async () => {
      const environment = nextEnv();
      const missing = { ...h.builds.v1, buildId: "build-missing", version: "9.9.9", digest: `sha256:${"f".repeat(64)}`, artifact: null };
      const error = await p.startStandby(spec(environment, missing)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PlatformError);
      expect((error as PlatformError).permanent).toBe(true);
      expect((await p.status(environment, "portal"))?.standby ?? null).toBeNull();
    });
  });
}
