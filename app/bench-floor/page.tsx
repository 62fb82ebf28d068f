import { desc, eq } from "drizzle-orm";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { getDb } from "@/db/client";
import { deployments, environments } from "@/db/schema";

/**
 * The benchmark's Next.js floor (scripts/bench/measure.ts): a bare page rendering the 50 newest
 * deployments from the database, with no session, no portal layout and no client components.
 * Answers 404 unless the server runs with SLIPWAY_BENCH_FLOOR=1.
 */
export default async function BenchFloor() {
  await connection();
  if (process.env.SLIPWAY_BENCH_FLOOR !== "1") notFound();
  const db = await getDb();
  const rows = await db
    .select({ id: deployments.id, state: deployments.state, createdAt: deployments.createdAt, environment: environments.name })
    .from(deployments)
    .innerJoin(environments, eq(environments.id, deployments.environmentId))
    .orderBy(desc(deployments.createdAt), desc(deployments.id))
    .limit(50);
  return (
    <main>
      <table>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td>{r.id}</td>
              <td>{r.environment}</td>
              <td>{r.state}</td>
              <td>{r.createdAt.toISOString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
