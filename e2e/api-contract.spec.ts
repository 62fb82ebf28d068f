import { expect, test } from "@playwright/test";
import { DEMO, bearer, buildBody, createTokenInUi, registerBuild, signedInAs } from "./helpers";

let token: string;

test.beforeAll(async ({ browser }) => {
  const page = await browser.newPage();
  await signedInAs(page, DEMO.admin);
  token = await createTokenInUi(page, /developer@example.com/, "contract-tests");
  await page.close();
});

test("health and the OpenAPI document need no token", async ({ request }) => {
  const health = await request.get("/api/v1/health");
  expect(health.status()).toBe(200);
  expect(await health.json()).toMatchObject({ database: { ok: true, driver: "pglite" } });
  const doc = await (await request.get("/api/v1/openapi.json")).json();
  expect(doc.openapi).toBe("3.1.0");
  for (const path of ["/builds", "/releases", "/releases/{id}", "/pipeline", "/environments", "/environments/{name}", "/health"]) {
    expect(Object.keys(doc.paths)).toContain(path);
  }
  expect(doc.components.schemas.RegisterBuild.properties.digest.pattern).toBeTruthy();
});

test("no token or a bad token is 401 in the error shape", async ({ request }) => {
  const attempts: Record<string, string>[] = [{}, { Authorization: "Bearer slw_nope" }, { Authorization: "Basic abc" }];
  for (const headers of attempts) {
    const response = await request.post("/api/v1/builds", { headers, data: buildBody("portal") });
    expect(response.status()).toBe(401);
    expect((await response.json()).error.code).toBe("unauthenticated");
  }
  expect((await request.get("/api/v1/pipeline")).status()).toBe(401);
});

test("bad input is 400 with field errors and registers nothing", async ({ request }) => {
  const count = async () => (await (await request.get("/api/v1/builds?limit=200", { headers: bearer(token) })).json()).items.length;
  const before = await count();
  const cases: [Record<string, unknown>, string][] = [
    [buildBody("portal", { digest: "sha256:1234" }), "digest"],
    [buildBody("portal", { commit: undefined }), "commit"],
    [buildBody("portal", { version: 3 }), "version"],
    [buildBody("billing"), "app"],
    [buildBody("portal", { tests: { passed: "yes" } }), "tests.passed"],
  ];
  for (const [body, field] of cases) {
    const { status, json } = await registerBuild(request, token, body);
    expect(status, JSON.stringify(body)).toBe(400);
    expect(json.error.code).toBe("invalid_input");
    expect(Object.keys(json.error.fields)).toContain(field);
  }
  const notJson = await request.post("/api/v1/builds", { headers: { ...bearer(token), "content-type": "application/json" }, data: Buffer.from("{not json") });
  expect(notJson.status()).toBe(400);
  expect((await notJson.json()).error.code).toBe("invalid_json");

  const huge = await request.post("/api/v1/builds", { headers: bearer(token), data: buildBody("portal", { artifact: "x".repeat(1_100_000) }) });
  expect(huge.status()).toBe(400);
  expect((await huge.json()).error).toMatchObject({ code: "body_too_large", fields: { body: expect.any(String) } });
  expect(await count()).toBe(before);
});

test("duplicates: a retried build is 200, another digest for a version is 409", async ({ request }) => {
  const body = buildBody("admin");
  expect((await registerBuild(request, token, body)).status).toBe(201);
  expect((await registerBuild(request, token, body)).status).toBe(200);
  const conflict = await registerBuild(request, token, { ...body, digest: `sha256:${"c".repeat(64)}` });
  expect(conflict.status).toBe(409);
  expect(conflict.json.error.code).toBe("version_exists");
});

test("an Idempotency-Key replays the first result and does nothing again", async ({ request }) => {
  const body = buildBody("api-gateway");
  const key = `e2e-${Date.now()}`;
  const first = await request.post("/api/v1/builds", { headers: { ...bearer(token), "Idempotency-Key": key }, data: body });
  const second = await request.post("/api/v1/builds", { headers: { ...bearer(token), "Idempotency-Key": key }, data: body });
  expect(first.status()).toBe(201);
  expect(second.status()).toBe(201);
  expect(second.headers()["idempotent-replayed"]).toBe("true");
  expect(await second.json()).toEqual(await first.json());
  const reused = await request.post("/api/v1/builds", { headers: { ...bearer(token), "Idempotency-Key": key }, data: buildBody("api-gateway") });
  expect(reused.status()).toBe(409);
  expect((await reused.json()).error.code).toBe("idempotency_key_reused");
});

test("lists are paginated with items and nextCursor", async ({ request }) => {
  for (let i = 0; i < 3; i++) await registerBuild(request, token, buildBody("portal"));
  const first = await (await request.get("/api/v1/builds?limit=2", { headers: bearer(token) })).json();
  expect(first.items).toHaveLength(2);
  expect(first.nextCursor).toEqual(expect.any(String));
  const second = await (await request.get(`/api/v1/builds?limit=2&cursor=${first.nextCursor}`, { headers: bearer(token) })).json();
  expect(second.items[0].id).not.toBe(first.items[1].id);
  expect((await request.get("/api/v1/builds?limit=201", { headers: bearer(token) })).status()).toBe(400);
  expect((await request.get("/api/v1/builds?cursor=nonsense", { headers: bearer(token) })).status()).toBe(400);
});

test("pipeline, environments and unknown paths", async ({ request }) => {
  // Two pipelines run (shop and handbook, both with dev and prod): the legacy single-pipeline paths
  // answer 409 ambiguous with the candidates; the per-pipeline paths answer.
  const legacy = await request.get("/api/v1/pipeline", { headers: bearer(token) });
  expect(legacy.status()).toBe(409);
  expect((await legacy.json()).error.code).toBe("ambiguous");
  const ambiguousProd = await request.get("/api/v1/environments/prod", { headers: bearer(token) });
  expect(ambiguousProd.status()).toBe(409);
  expect(JSON.stringify(await ambiguousProd.json())).toContain("shop/prod");
  const pipeline = await (await request.get("/api/v1/pipelines/shop", { headers: bearer(token) })).json();
  expect(pipeline.name).toBe("shop");
  expect(pipeline.config.environments.map((e: { name: string }) => e.name)).toEqual(["dev", "qa", "uat", "staging", "prod"]);
  const environments = await (await request.get("/api/v1/pipelines/shop/environments", { headers: bearer(token) })).json();
  expect(environments.items.map((e: { name: string }) => e.name).slice(0, 5)).toEqual(["dev", "qa", "uat", "staging", "prod"]);
  const prod = await (await request.get("/api/v1/pipelines/shop/environments/prod", { headers: bearer(token) })).json();
  expect(prod.apps.map((a: { app: string }) => a.app)).toEqual(["portal", "admin", "api-gateway"]);
  expect(prod.apps[0]).toMatchObject({ version: expect.any(String), health: { status: expect.any(String) } });
  expect((await request.get("/api/v1/environments/nope", { headers: bearer(token) })).status()).toBe(404);
  const unknown = await request.get("/api/v1/nothing-here", { headers: bearer(token) });
  expect(unknown.status()).toBe(404);
  expect((await unknown.json()).error.code).toBe("not_found");
});
