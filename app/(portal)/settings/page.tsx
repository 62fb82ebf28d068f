import { redirect } from "next/navigation";
import { requireActor } from "@/lib/auth/session";
import { can } from "@/lib/auth/policy";

export default async function SettingsIndex() {
  const actor = await requireActor();
  redirect(can(actor, "user.manage") ? "/settings/users" : "/settings/tokens");
}
