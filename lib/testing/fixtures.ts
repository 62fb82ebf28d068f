import fs from "node:fs";
import path from "node:path";
import type { Db } from "@/db/client";
import { roleMemberships, users } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { globalGrants, type Role } from "@/lib/auth/roles";
import { parsePipelineConfig } from "@/lib/config/load";
import type { PipelineConfig } from "@/lib/config/schema";
import { fixedClock } from "@/lib/domain/clock";
import { newId } from "@/lib/ids";
import type { ServiceContext } from "@/lib/services/context";
import { syncPipeline } from "@/lib/services/pipeline-sync";

/** The end-to-end pipeline (dev → qa → uat → staging → prod, apps portal, admin, api-gateway). */
export function testPipelineConfig(): { config: PipelineConfig; hash: string } {
  const text = fs.readFileSync(path.resolve(process.cwd(), "e2e/pipelines/shop.yaml"), "utf8");
  const result = parsePipelineConfig(text);
  if (!result.ok) throw new Error(`e2e/pipelines/shop.yaml is invalid: ${JSON.stringify(result.problems)}`);
  return { config: result.config, hash: result.hash };
}

export async function loadTestPipeline(db: Db): Promise<void> {
  const { config, hash } = testPipelineConfig();
  await syncPipeline(db, fixedClock("2026-01-01T00:00:00Z"), config, hash);
}

/** The end-to-end tests' second pipeline, handbook (dev → prod, apps handbook-web and handbook-search): its environment names repeat shop's. */
export async function loadHandbookPipeline(db: Db): Promise<void> {
  const handbook = parsePipelineConfig(fs.readFileSync(path.resolve(process.cwd(), "e2e/pipelines/handbook.yaml"), "utf8"));
  if (!handbook.ok) throw new Error(`e2e/pipelines/handbook.yaml is invalid: ${JSON.stringify(handbook.problems)}`);
  await syncPipeline(db, fixedClock("2026-01-01T00:00:00Z"), handbook.config, handbook.hash);
}

/** A person with the given roles, as a service actor. */
export async function createTestActor(db: Db, roles: Role[], name = roles.join("+") || "nobody"): Promise<Actor> {
  const id = newId("usr");
  const email = `${name}-${id.slice(-6)}@example.com`;
  await db.insert(users).values({ id, email, name });
  if (roles.length) await db.insert(roleMemberships).values(roles.map((role) => ({ userId: id, role })));
  return { kind: "user", id, email, name, roles, grants: globalGrants(roles), disabled: false, via: "api" };
}

export function contextFor(db: Db, actor: Actor, at = "2026-03-02T10:00:00Z"): ServiceContext {
  return { db, actor, clock: fixedClock(at) };
}

export const sha = (n: number) => n.toString(16).padStart(40, "0");
export const digestOf = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;
