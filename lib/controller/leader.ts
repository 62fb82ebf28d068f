import { sql } from "drizzle-orm";
import type { PoolClient, Pool } from "pg";
import type { Connection } from "@/db/client";
import { controllerLeases } from "@/db/schema";
import type { Clock } from "@/lib/domain/clock";

const LEASE = "controller";
// pg_try_advisory_lock key: any constant unique to Slipway's controller.
const LOCK_KEY = 0x5117_c0de;

/**
 * Leader election with a PostgreSQL advisory lock (session-level: held as long as the leader's
 * connection lives) and a fencing token that grows with every new leader. Writes that advance
 * deployments check the token (see fencing.ts), so a deposed leader that still thinks it leads is
 * refused by the database.
 */
export class LeaderElection {
  private lockClient: PoolClient | null = null;
  private token: number | null = null;

  constructor(
    private readonly connection: Connection,
    readonly holder: string,
    private readonly clock: Clock,
  ) {}

  get fencingToken(): number | null {
    return this.token;
  }

  /** Tries to become leader; returns the fencing token, or null if another controller leads. */
  async tryAcquire(): Promise<number | null> {
    if (this.token !== null) return this.token;
    const locked = await this.tryLock();
    if (!locked) return null;
    const now = this.clock.now();
    const [lease] = await this.connection.db
      .insert(controllerLeases)
      .values({ name: LEASE, holder: this.holder, fencingToken: 1, acquiredAt: now, heartbeatAt: now })
      .onConflictDoUpdate({
        target: controllerLeases.name,
        set: { holder: this.holder, fencingToken: sql`${controllerLeases.fencingToken} + 1`, acquiredAt: now, heartbeatAt: now },
      })
      .returning({ token: controllerLeases.fencingToken });
    this.token = lease!.token;
    return this.token;
  }

  /** Proves leadership is still held (the lock's connection answers) and records a heartbeat. */
  async heartbeat(): Promise<boolean> {
    if (this.token === null) return false;
    try {
      if (this.lockClient) await this.lockClient.query("select 1");
      const updated = await this.connection.db
        .update(controllerLeases)
        .set({ heartbeatAt: this.clock.now() })
        .where(sql`${controllerLeases.name} = ${LEASE} and ${controllerLeases.fencingToken} = ${this.token}`)
        .returning({ name: controllerLeases.name });
      if (updated.length === 0) {
        await this.release();
        return false;
      }
      return true;
    } catch {
      await this.release();
      return false;
    }
  }

  async release(): Promise<void> {
    this.token = null;
    const client = this.lockClient;
    this.lockClient = null;
    if (client) {
      await client.query("select pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => {});
      client.release(true);
    } else if (this.connection.driver === "pglite") {
      await (this.connection.client as { query(q: string, p: unknown[]): Promise<unknown> }).query("select pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => {});
    }
  }

  private async tryLock(): Promise<boolean> {
    if (this.connection.driver === "pg") {
      // The lock lives as long as this one connection: keep it checked out of the pool.
      const client = await (this.connection.client as Pool).connect();
      try {
        const result = await client.query<{ locked: boolean }>("select pg_try_advisory_lock($1) as locked", [LOCK_KEY]);
        if (result.rows[0]?.locked) {
          client.on("error", () => {
            this.token = null;
          });
          this.lockClient = client;
          return true;
        }
        client.release();
        return false;
      } catch (error) {
        client.release(true);
        throw error;
      }
    }
    // PGlite is one session in one process (the data directory lock keeps others out).
    const result = (await (this.connection.client as { query(q: string, p: unknown[]): Promise<{ rows: { locked: boolean }[] }> }).query(
      "select pg_try_advisory_lock($1) as locked",
      [LOCK_KEY],
    )) as { rows: { locked: boolean }[] };
    return Boolean(result.rows[0]?.locked);
  }
}
