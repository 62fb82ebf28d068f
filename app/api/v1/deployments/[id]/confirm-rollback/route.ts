import { deploymentDto } from "@/lib/api/dto";
import { apiMutation, bodyWith } from "@/lib/api/handler";
import { confirmAutomaticRollback } from "@/lib/services/auto-rollback";
import { getDeployment } from "@/lib/services/deployment-queries";

/** On-call agrees with an automatic rollback: it stays, and the environment stays held. */
export const POST = apiMutation<{ id: string }>(
  async ({ ctx, body, params }) => {
    await confirmAutomaticRollback(ctx, bodyWith(body, { deploymentId: params.id }));
    return { status: 200, body: deploymentDto(await getDeployment(ctx.db, params.id)) };
  },
  { body: "optional" },
);
