import { env } from "@/lib/env";
import { LocalPlatformInspector } from "@/lib/platform/local/inspect";
import type { InstanceReader } from "@/lib/services/instances";

/**
 * Reads what the platform runs from this process, whether or not the controller runs here: the
 * local platform keeps its state and logs under the data directory, which the web server shares.
 */
export function platformReader(): InstanceReader {
  return new LocalPlatformInspector(env().dataDir);
}
