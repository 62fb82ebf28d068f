import { NextResponse } from "next/server";
import { systemClock } from "@/lib/domain/clock";
import { checkHealth } from "@/lib/services/health";

/** Public liveness probe: no token needed, reveals nothing but whether Slipway works. */
export async function GET() {
  const health = await checkHealth(systemClock);
  return NextResponse.json(health, { status: health.database.ok ? 200 : 503 });
}
