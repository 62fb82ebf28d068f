import { and, eq, or, sql } from "drizzle-orm";
import type { Connection } from "@/db/client";
import { controllerLeases } from "@/db/schema";
import type { Clock } from "@/lib/domain/clock";
import { LostLeadershipError } from "./fencing";

const LEASE = "controller";

/** How long a leader's heartbeat holds the lease by default (three default heartbeats). */
export const DEFAULT_LEASE_MS = 15_000;

/**
 * Leader election as a lease in `controller_leases`: the leader renews its heartbeat; once the
 * heartbeat is older than the lease, any standby takes the lease over with a fencing token one
 * higher. A leader that was frozen (SIGSTOP, a long GC pause, a hung host) and wakes after losing
 * its lease notices before its next platform write (`ensureHolding`), and its database writes are
 * refused by the token (see fencing.ts). No connection-bound lock: a hung process that keeps its
 * connection open no longer keeps the standby out.
 */
export class LeaderElection {
  private token: number | null = null;
  /** Clock time (ms) until which this process may act without renewing: a little before the lease ends. */
  private validUntil = 0;

  constructor(
    private readonly connection: Connection,
    readonly holder: string,
    private readonly clock: Clock,
    readonly leaseMs: number = DEFAULT_LEASE_MS,
  ) {}

  get fencingToken(): number | null {
    return this.token;
  }

  /** What remains of the lease before a standby may take over, leaving a fifth of it as a margin. */
  private hold(from: number): void {
    this.validUntil = from + this.leaseMs - Math.floor(this.leaseMs / 5);
  }

  /**
   * Takes the lease when nobody holds it, its heartbeat is older than the lease, or it is this
   * process's own (a controller restarted in-process). Returns the new fencing token, or null
   * while another controller's lease is live.
   */
  async tryAcquire(): Promise<number | null> {
    if (this.token !== null) return this.token;
    const now = this.clock.now();
    const stale = new Date(now.getTime() - this.leaseMs);
    const [lease] = await this.connection.db
      .insert(controllerLeases)
      .values({ name: LEASE, holder: this.holder, fencingToken: 1, acquiredAt: now, heartbeatAt: now })
      .onConflictDoUpdate({
        target: controllerLeases.name,
        set: { holder: this.holder, fencingToken: sql`${controllerLeases.fencingToken} + 1`, acquiredAt: now, heartbeatAt: now },
        setWhere: or(sql`${controllerLeases.heartbeatAt} < ${stale}`, eq(controllerLeases.holder, this.holder)),
      })
      .returning({ token: controllerLeases.fencingToken });
    if (!lease) return null;
    this.token = lease.token;
    this.hold(now.getTime());
    return this.token;
  }

  /** Renews the lease; false (and leadership dropped) when another controller has taken it over. */
  async heartbeat(): Promise<boolean> {
    if (this.token === null) return false;
    const now = this.clock.now();
    try {
      const updated = await this.connection.db
        .update(controllerLeases)
        .set({ heartbeatAt: now })
        .where(and(eq(controllerLeases.name, LEASE), eq(controllerLeases.fencingToken, this.token)))
        .returning({ name: controllerLeases.name });
      if (updated.length === 0) {
        this.token = null;
        return false;
      }
      this.hold(now.getTime());
      return true;
    } catch {
      this.token = null;
      return false;
    }
  }

  /**
   * Called before every platform write: passes at once while the lease is surely held; once it
   * may have run out (this process was frozen or slow), renews it first — which fails if a
   * standby took over meanwhile.
   *
   * @returns the fencing token still held
   * @throws LostLeadershipError when this process no longer leads
   */
  async ensureHolding(): Promise<number> {
    const token = this.token;
    if (token === null) throw new LostLeadershipError(-1, undefined);
    if (this.clock.now().getTime() < this.validUntil) return token;
    if (!(await this.heartbeat())) throw new LostLeadershipError(token, undefined);
    return token;
  }

  /** Gives the lease up (a graceful stop): a standby takes over at once instead of after the lease. */
  async release(): Promise<void> {
    const token = this.token;
    this.token = null;
    this.validUntil = 0;
    if (token === null) return;
    await this.connection.db
      .update(controllerLeases)
      .set({ heartbeatAt: new Date(0) })
      .where(and(eq(controllerLeases.name, LEASE), eq(controllerLeases.fencingToken, token)))
      .catch(() => {});
  }
}
