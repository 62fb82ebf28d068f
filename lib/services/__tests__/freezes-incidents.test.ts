import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { auditEvents } from "@/db/schema";
import { AUTOMATION_USER, type Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { evaluateFreeze } from "@/lib/domain/gates/freeze";
import { evaluateIncident } from "@/lib/domain/gates/incident";
import { testDatabases } from "@/lib/testing/databases";
import { contextFor, createTestActor } from "@/lib/testing/fixtures";
import { ConflictError, ForbiddenError, NotFoundError, RuleError, ValidationError } from "../errors";
import { createFreeze, liftFreeze, listFreezes, storedFreezesForGate } from "../freezes";
import { applyIncidentWebhook, declareIncident, listIncidents, resolveIncident } from "../incidents";
import { openIncidentsForGate } from "../incident-queries";
import { NOW, at, auditFor, counts, loadPipelineWithFreezes } from "./freeze-fixtures";

describe.each(testDatabases)("freezes and incidents on $name", (database) => {
  let connection: Connection;
  let lead: Actor;
  let techLead: Actor;
  let developer: Actor;
  let viewer: Actor;
  const ctx = (actor: Actor, time = NOW) => contextFor(connection.db, actor, time);

  beforeAll(async () => {
    connection = await database.open();
    await loadPipelineWithFreezes(connection);
    lead = await createTestActor(connection.db, ["delivery-lead"], "Lee Morgan");
    techLead = await createTestActor(connection.db, ["tech-lead"], "tech");
    developer = await createTestActor(connection.db, ["developer"], "dev");
    viewer = await createTestActor(connection.db, ["viewer"], "viewer");
  });
  afterAll(() => connection.close());

  describe("freezes", () => {
    it("a delivery lead freezes one environment until lifted, audited with the reason", async () => {
      const before = await counts(connection);
      const freeze = await createFreeze(ctx(lead), { environment: "staging", name: "payments outage", reason: "Payment provider outage" });
      expect(freeze).toMatchObject({
        environment: "staging",
        name: "payments outage",
        startsAt: at(NOW),
        endsAt: null,
        source: "api",
        state: "active",
        active: true,
        period: { start: at(NOW), end: null },
        createdBy: { id: lead.id, name: "Lee Morgan" },
        liftable: true,
        lifted: null,
      });
      expect(await counts(connection)).toEqual({ ...before, freezes: before.freezes + 1, audit: before.audit + 1 });
      const [event] = await auditFor(connection, freeze.id!);
      expect(event).toMatchObject({ action: "freeze.create", targetType: "freeze", actorId: lead.id, reason: "Payment provider outage", source: "api" });
      expect(event!.data).toMatchObject({ environment: "staging", allEnvironments: false, endsAt: null });
    });

    it("stops the line: a freeze without an environment applies to every environment, and the gate sees it", async () => {
      const freeze = await createFreeze(ctx(lead), { name: "stop the line", reason: "Broken build pipeline", endsAt: "2026-03-02T18:00:00Z" });
      expect(freeze).toMatchObject({ environment: null, state: "active", period: { end: at("2026-03-02T18:00:00Z") } });
      const [event] = await auditFor(connection, freeze.id!);
      expect(event!.data).toMatchObject({ environment: null, allEnvironments: true });
      const forQa = await listFreezes(ctx(viewer), { environment: "qa" });
      expect(forQa.map((f) => f.id)).toContain(freeze.id);
      expect(forQa.every((f) => f.environment === null || f.environment === "qa")).toBe(true);

      const stored = await storedFreezesForGate(connection.db, at(NOW));
      const gate = evaluateFreeze({ configured: [], stored, environment: "dev" }, at(NOW));
      expect(gate.status).toBe("pending");
      expect(gate.reason).toContain("stop the line");
      await liftFreeze(ctx(lead), { freezeId: freeze.id, reason: "pipeline fixed" });
      expect(evaluateFreeze({ configured: [], stored: await storedFreezesForGate(connection.db, at(NOW)), environment: "dev" }, at(NOW)).status).toBe("pass");
    });

    it("a one-off freeze can be given as a duration from its start", async () => {
      const freeze = await createFreeze(ctx(techLead), { environment: "uat", name: "demo", reason: "Customer demo in uat", startsAt: "2026-03-03T09:00:00+01:00", duration: "2h" });
      expect(freeze).toMatchObject({ state: "upcoming", active: false, startsAt: at("2026-03-03T08:00:00Z"), endsAt: at("2026-03-03T10:00:00Z"), nextStart: at("2026-03-03T08:00:00Z"), rrule: null, durationMs: null });
    });

    it.each([
      ["an end before the start", { startsAt: "2026-03-05T00:00:00Z", endsAt: "2026-03-04T00:00:00Z" }, "endsAt"],
      ["an end in the past", { startsAt: "2026-02-01T00:00:00Z", endsAt: "2026-02-02T00:00:00Z" }, "endsAt"],
      ["a malformed rrule", { rrule: "FREQ=SOMETIMES", duration: "1h" }, "rrule"],
      ["an rrule that never starts a freeze", { rrule: "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", duration: "1h" }, "rrule"],
      ["an rrule without a duration", { rrule: "FREQ=WEEKLY;BYDAY=FR" }, "duration"],
      ["an unknown environment", { environment: "billing" }, "environment"],
      ["a missing reason", { reason: undefined }, "reason"],
      ["a reason of blanks", { reason: "   " }, "reason"],
      ["an unknown time zone", { rrule: "FREQ=DAILY", duration: "1h", timezone: "Mars/Olympus" }, "timezone"],
      ["a bad duration", { duration: "soon" }, "duration"],
      ["a time without a zone", { startsAt: "2026-03-05T10:00" }, "startsAt"],
      ["an unknown field", { colour: "blue" }, "body"],
    ])("refuses %s with a field error and writes nothing", async (_label, override, field) => {
      const before = await counts(connection);
      const input = { environment: "prod", name: "bad", reason: "Testing validation", ...override };
      const error = await createFreeze(ctx(lead), input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(Object.keys((error as ValidationError).fields ?? {})).toContain(field);
      expect(await counts(connection)).toEqual(before);
    });

    it("names the environments that exist when the one given does not", async () => {
      const error = (await createFreeze(ctx(lead), { environment: "billing", name: "x", reason: "Testing" }).catch((e: unknown) => e)) as ValidationError;
      expect(error.fields?.environment).toBe('unknown environment "billing"; expected one of dev, qa, uat, staging, prod');
    });

    it("a developer may neither create nor lift freezes", async () => {
      const before = await counts(connection);
      await expect(createFreeze(ctx(developer), { environment: "prod", name: "mine", reason: "I want one" })).rejects.toBeInstanceOf(ForbiddenError);
      await expect(createFreeze(ctx(developer), { name: "all", reason: "I want one" })).rejects.toBeInstanceOf(ForbiddenError);
      const freeze = await createFreeze(ctx(lead), { environment: "qa", name: "qa rebuild", reason: "QA database rebuild" });
      await expect(liftFreeze(ctx(developer), { freezeId: freeze.id, reason: "not mine to lift" })).rejects.toBeInstanceOf(ForbiddenError);
      expect((await counts(connection)).freezes).toBe(before.freezes + 1);
    });

    it("writes the freeze and its audit event in one transaction: rolling it back leaves neither", async () => {
      const before = await counts(connection);
      await connection.db
        .transaction(async (tx) => {
          await createFreeze({ ...ctx(lead), db: tx }, { environment: "dev", name: "rolled back", reason: "Will roll back" });
          expect((await tx.select({ n: sql<number>`count(*)::int` }).from(auditEvents))[0]!.n).toBeGreaterThan(before.audit);
          throw new Error("roll back");
        })
        .catch(() => undefined);
      expect(await counts(connection)).toEqual(before);
    });

    it("lifts a freeze once, with who and why; lifting again is refused, an unknown id is not found", async () => {
      const freeze = await createFreeze(ctx(lead), { environment: "prod", name: "hotfix only", reason: "Hotfixes only this week" });
      const lifted = await liftFreeze(ctx(techLead, "2026-03-02T12:00:00Z"), { freezeId: freeze.id, reason: "Incident over" });
      expect(lifted).toMatchObject({ state: "lifted", active: false, liftable: false, lifted: { at: at("2026-03-02T12:00:00Z"), by: { id: techLead.id }, reason: "Incident over", beforeStart: false } });
      const events = await auditFor(connection, freeze.id!);
      expect(events.map((e) => e.action)).toEqual(["freeze.create", "freeze.lift"]);
      expect(events[1]).toMatchObject({ actorId: techLead.id, reason: "Incident over" });
      expect(events[1]!.data).toMatchObject({ environment: "prod", wasActive: true });

      const before = await counts(connection);
      const again = await liftFreeze(ctx(lead), { freezeId: freeze.id, reason: "twice" }).catch((e: unknown) => e);
      expect(again).toBeInstanceOf(RuleError);
      expect((again as RuleError).code).toBe("already_lifted");
      await expect(liftFreeze(ctx(lead), { freezeId: "frz_nope", reason: "does not exist" })).rejects.toBeInstanceOf(NotFoundError);
      await expect(liftFreeze(ctx(lead), { freezeId: freeze.id })).rejects.toBeInstanceOf(ValidationError);
      expect(await counts(connection)).toEqual(before);

      expect((await listFreezes(ctx(viewer))).map((f) => f.id)).not.toContain(freeze.id);
      const history = await listFreezes(ctx(viewer), { includeLifted: "true" });
      expect(history.find((f) => f.id === freeze.id)).toMatchObject({ state: "lifted" });
    });

    it("an upcoming freeze can be cancelled before it starts; an ended one cannot be lifted", async () => {
      const upcoming = await createFreeze(ctx(lead), { environment: "dev", name: "later", reason: "Later this month", startsAt: "2026-03-20T00:00:00Z", endsAt: "2026-03-21T00:00:00Z" });
      expect(upcoming.state).toBe("upcoming");
      // Lifted before it began: cancelled (the Freezes page says so), never in force.
      expect(await liftFreeze(ctx(lead), { freezeId: upcoming.id, reason: "No longer needed" })).toMatchObject({ state: "lifted", lifted: { beforeStart: true } });

      // Recurring: its first period is the rule's first occurrence, not the rule's start (a Monday here; it runs on Fridays).
      const weekly = { environment: "dev", reason: "Fridays off", startsAt: "2026-03-02T15:00:00+01:00", rrule: "RRULE:FREQ=WEEKLY;BYDAY=FR", duration: "3h", timezone: "Europe/Berlin" };
      const cancelledWeekly = await createFreeze(ctx(lead), { ...weekly, name: "fridays, cancelled on Wednesday" });
      expect((await liftFreeze(ctx(lead, "2026-03-04T12:00:00Z"), { freezeId: cancelledWeekly.id, reason: "Not this quarter" })).lifted).toMatchObject({ beforeStart: true });
      const liftedWeekly = await createFreeze(ctx(lead), { ...weekly, name: "fridays, lifted during the first" });
      expect((await liftFreeze(ctx(lead, "2026-03-06T15:00:00Z"), { freezeId: liftedWeekly.id, reason: "Enough" })).lifted).toMatchObject({ beforeStart: false });

      const short = await createFreeze(ctx(lead), { environment: "dev", name: "short", reason: "One hour", duration: "1h" });
      const ended = await liftFreeze(ctx(lead, "2026-03-02T12:00:00Z"), { freezeId: short.id, reason: "too late" }).catch((e: unknown) => e);
      expect(ended).toBeInstanceOf(RuleError);
      expect((ended as RuleError).code).toBe("freeze_ended");
    });

    it("lists active before upcoming, recurring ones with their next start, and slipway.yaml's freezes (not liftable)", async () => {
      const weekly = await createFreeze(ctx(lead), {
        environment: "prod",
        name: "friday afternoons",
        reason: "Nobody on call on Friday afternoons",
        startsAt: "2026-03-06T15:00:00+01:00",
        rrule: "RRULE:FREQ=WEEKLY;BYDAY=FR",
        duration: "3h",
        timezone: "Europe/Berlin",
      });
      expect(weekly).toMatchObject({ rrule: "FREQ=WEEKLY;BYDAY=FR", durationMs: 3 * 3_600_000, timezone: "Europe/Berlin", state: "upcoming", nextStart: at("2026-03-06T14:00:00Z") });

      const list = await listFreezes(ctx(viewer), { environment: "prod" });
      const states = list.map((f) => f.state);
      expect(states.indexOf("upcoming")).toBeGreaterThan(states.lastIndexOf("active"));
      expect(list.find((f) => f.name === "data-centre move")).toMatchObject({
        id: null,
        source: "slipway.yaml",
        environment: "prod",
        pipeline: "shop", // filtered by environment, the list still says whose prod it is
        state: "active",
        period: { start: at("2026-03-01T00:00:00Z"), end: at("2026-03-03T00:00:00Z") },
        liftable: false,
        createdBy: null,
      });
      expect(list.find((f) => f.name === "year-end")).toMatchObject({ source: "slipway.yaml", state: "upcoming", rrule: "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=22", nextStart: at("2026-12-21T23:00:00Z") });
      expect(list.find((f) => f.id === weekly.id)).toMatchObject({ state: "upcoming", nextStart: at("2026-03-06T14:00:00Z") });

      // A week later, on Friday at 16:00 in Berlin, the weekly freeze is on until 18:00 and its next start is a week on.
      const friday = await listFreezes(ctx(viewer, "2026-03-13T15:00:00Z"), { environment: "prod" });
      expect(friday.find((f) => f.id === weekly.id)).toMatchObject({ state: "active", period: { start: at("2026-03-13T14:00:00Z"), end: at("2026-03-13T17:00:00Z") }, nextStart: at("2026-03-20T14:00:00Z") });
      expect(friday.find((f) => f.name === "data-centre move")).toBeUndefined();
      expect((await listFreezes(ctx(viewer, "2026-03-13T15:00:00Z"), { environment: "prod", includeLifted: true })).find((f) => f.name === "data-centre move")).toMatchObject({ state: "ended" });

      // Other environments do not list prod's freezes.
      expect((await listFreezes(ctx(viewer), { environment: "qa" })).some((f) => f.environment === "prod")).toBe(false);
      await expect(listFreezes(ctx(viewer), { environment: "billing" })).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe("incidents", () => {
    it("declares an incident (major by default), audited, and the incident gate refuses deployments", async () => {
      const before = await counts(connection);
      const incident = await declareIncident(ctx(developer), { environment: "prod", title: "Checkout returns 500s", url: "https://incidents.example.com/42" });
      expect(incident).toMatchObject({ environment: "prod", title: "Checkout returns 500s", severity: "major", state: "open", openedVia: "api", openedBy: { id: developer.id }, openedAt: at(NOW), resolvedAt: null });
      expect(await counts(connection)).toEqual({ ...before, incidents: before.incidents + 1, audit: before.audit + 1 });
      const [event] = await auditFor(connection, incident.id);
      expect(event).toMatchObject({ action: "incident.open", targetType: "incident", actorId: developer.id });
      expect(event!.data).toMatchObject({ environment: "prod", severity: "major" });

      const prod = (await connection.db.query.environments.findFirst({ where: (e, { eq }) => eq(e.name, "prod") }))!;
      const gate = evaluateIncident("prod", await openIncidentsForGate(connection.db, prod.id), at(NOW));
      expect(gate.status).toBe("fail");
      expect(gate.reason).toContain("Checkout returns 500s");

      const resolved = await resolveIncident(ctx(developer, "2026-03-02T11:00:00Z"), { incidentId: incident.id, note: "Rolled back the payment client" });
      expect(resolved).toMatchObject({ state: "resolved", resolvedBy: { id: developer.id }, resolvedAt: at("2026-03-02T11:00:00Z") });
      const events = await auditFor(connection, incident.id);
      expect(events.map((e) => e.action)).toEqual(["incident.open", "incident.resolve"]);
      expect(events[1]).toMatchObject({ reason: "Rolled back the payment client" });
      expect(events[1]!.data).toMatchObject({ openForMs: 3_600_000 });
      expect(evaluateIncident("prod", await openIncidentsForGate(connection.db, prod.id), at(NOW)).status).toBe("pass");

      await expect(resolveIncident(ctx(developer), { incidentId: incident.id })).rejects.toBeInstanceOf(RuleError);
      await expect(resolveIncident(ctx(developer), { incidentId: "inc_nope" })).rejects.toBeInstanceOf(NotFoundError);
    });

    it("refuses a second open incident with the same externalId on an environment, but not on another", async () => {
      const first = await declareIncident(ctx(techLead), { environment: "staging", title: "Queue backlog", severity: "minor", externalId: "PD-1" });
      const before = await counts(connection);
      const duplicate = await declareIncident(ctx(techLead), { environment: "staging", title: "Queue backlog again", externalId: "PD-1" }).catch((e: unknown) => e);
      expect(duplicate).toBeInstanceOf(ConflictError);
      expect((duplicate as ConflictError).code).toBe("duplicate_incident");
      expect(await counts(connection)).toEqual(before);
      const elsewhere = await declareIncident(ctx(techLead), { environment: "uat", title: "Queue backlog", externalId: "PD-1" });
      expect(elsewhere.environment).toBe("uat");
      await resolveIncident(ctx(techLead), { incidentId: first.id });
      // Once resolved, the id may open again.
      expect((await declareIncident(ctx(techLead), { environment: "staging", title: "Queue backlog, back", externalId: "PD-1" })).state).toBe("open");
    });

    it("a viewer may not declare or resolve incidents; bad input is a field error", async () => {
      const before = await counts(connection);
      await expect(declareIncident(ctx(viewer), { environment: "prod", title: "I saw something" })).rejects.toBeInstanceOf(ForbiddenError);
      const open = await declareIncident(ctx(developer), { environment: "dev", title: "Dev is down" });
      await expect(resolveIncident(ctx(viewer), { incidentId: open.id })).rejects.toBeInstanceOf(ForbiddenError);
      for (const [input, field] of [
        [{ environment: "prod", title: "Bad severity", severity: "sev1" }, "severity"],
        [{ environment: "prod", title: "x" }, "title"],
        [{ environment: "prod", title: "Bad link", url: "ftp://example.com" }, "url"],
        [{ environment: "billing", title: "Unknown environment" }, "environment"],
      ] as const) {
        const error = await declareIncident(ctx(developer), input).catch((e: unknown) => e);
        expect(error, field).toBeInstanceOf(ValidationError);
        expect(Object.keys((error as ValidationError).fields ?? {})).toContain(field);
      }
      expect((await counts(connection)).incidents).toBe(before.incidents + 1);
    });

    it("lists open incidents first, then resolved ones; filters by environment and state", async () => {
      const all = await listIncidents(ctx(viewer));
      const firstResolved = all.findIndex((i) => i.state === "resolved");
      expect(firstResolved).toBeGreaterThan(0);
      expect(all.slice(firstResolved).every((i) => i.state === "resolved")).toBe(true);
      expect((await listIncidents(ctx(viewer), { environment: "staging", state: "open" })).map((i) => i.title)).toEqual(["Queue backlog, back"]);
      expect((await listIncidents(ctx(viewer), { state: "resolved", limit: "1" })).length).toBe(1);
      await expect(listIncidents(ctx(viewer), { state: "maybe" })).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe("the incident webhook (service)", () => {
    const clock = fixedClock(NOW);
    const open = { action: "open", externalId: "OG-77", environment: "qa", title: "QA database unreachable", severity: "critical", url: "https://opsgenie.example.com/77" };

    it("opens an incident as Slipway automation via webhook; opening it again returns the same one", async () => {
      const before = await counts(connection);
      const first = await applyIncidentWebhook(connection.db, clock, open, { ip: "10.0.0.9", userAgent: "Opsgenie" });
      expect(first).toMatchObject({ changed: true, incident: { environment: "qa", severity: "critical", externalId: "OG-77", state: "open", openedVia: "webhook", openedBy: { id: AUTOMATION_USER.id } } });
      const [event] = await auditFor(connection, first.incident!.id);
      expect(event).toMatchObject({ action: "incident.open", actorId: AUTOMATION_USER.id, source: "webhook", ip: "10.0.0.9" });
      expect(event!.data).toMatchObject({ sender: "Opsgenie", externalId: "OG-77" });

      const again = await applyIncidentWebhook(connection.db, clock, open);
      expect(again).toMatchObject({ changed: false, incident: { id: first.incident!.id } });
      expect(await counts(connection)).toEqual({ ...before, incidents: before.incidents + 1, audit: before.audit + 1 });
    });

    it("resolves the open incident with that externalId; resolving again or an unknown id changes nothing", async () => {
      const resolved = await applyIncidentWebhook(connection.db, clock, { action: "resolve", externalId: "OG-77", environment: "qa" });
      expect(resolved).toMatchObject({ changed: true, incident: { state: "resolved", resolvedBy: { id: AUTOMATION_USER.id } } });
      const before = await counts(connection);
      expect(await applyIncidentWebhook(connection.db, clock, { action: "resolve", externalId: "OG-77", environment: "qa" })).toEqual({ changed: false, incident: null });
      expect(await applyIncidentWebhook(connection.db, clock, { action: "resolve", externalId: "OG-404", environment: "qa" })).toEqual({ changed: false, incident: null });
      expect(await counts(connection)).toEqual(before);
    });

    it("refuses a bad payload with field errors", async () => {
      const error = (await applyIncidentWebhook(connection.db, clock, { action: "open", externalId: "OG-1", environment: "qa" }).catch((e: unknown) => e)) as ValidationError;
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.fields).toEqual({ title: "required to open an incident" });
      const other = (await applyIncidentWebhook(connection.db, clock, { action: "close", environment: "QA" }).catch((e: unknown) => e)) as ValidationError;
      expect(Object.keys(other.fields ?? {}).sort()).toEqual(["action", "environment", "externalId"]);
    });
  });
});
