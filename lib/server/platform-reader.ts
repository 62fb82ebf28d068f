import { env } from "@/lib/env";
import { PLATFORM_AVAILABILITY } from "@/lib/platform/availability";
import { kubernetesReader } from "@/lib/platform/kubernetes/reader";
import { LocalPlatformInspector } from "@/lib/platform/local/inspect";
import type { InstanceReader, InstanceReaders } from "@/lib/services/instances";

/**
 * Reads what the platforms run from this process, whether or not the controller runs here: the
 * reader is chosen by the environment's platform (as slipway.yaml assigns it, like the
 * controller's PlatformRegistry does). The local platform keeps its state and logs under the data
 * directory, which the web server shares; a platform this installation cannot run or read has no
 * reader, and the service answers `not_supported`.
 */
/** One Kubernetes reader per process: it holds the kubeconfig and the API clients. */
let kubernetesShared: InstanceReader | null = null;

export function platformReader(): InstanceReaders {
  let local: InstanceReader | null = null;
  return (platform) => {
    if (platform === "kubernetes") return (kubernetesShared ??= kubernetesReader(env().configPath));
    if (platform !== "local" || !PLATFORM_AVAILABILITY.local.available) return null;
    local ??= new LocalPlatformInspector(env().dataDir);
    return local;
  };
}
