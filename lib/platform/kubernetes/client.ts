import { ApiException, CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from "@kubernetes/client-node";
import { PlatformError } from "../types";
import { validateObject } from "./validate-object";

/**
 * The adapter's one way to the API server: server-side apply under the field manager `slipway`,
 * get/list/delete, pod logs and the pod proxy, through the official client with a kubeconfig.
 * Transient answers (409 from a concurrent write, 429, 500, 503) are retried a few times; every
 * failure becomes a PlatformError naming the environment, the object and the API's own reason.
 */

export const FIELD_MANAGER = "slipway";

export interface KubeObjectLike extends KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [key: string]: unknown };
  [field: string]: unknown;
}

const TRANSIENT = new Set([409, 429, 500, 502, 503, 504]);
/** 4xx answers that retrying will not change. */
const PERMANENT = new Set([400, 401, 403, 404, 405, 415, 422]);

function apiReason(error: unknown): { code: number | null; reason: string; message: string } {
  if (error instanceof ApiException) {
    let body: { reason?: string; message?: string } = {};
    try {
      body = typeof error.body === "string" ? (JSON.parse(error.body) as typeof body) : ((error.body ?? {}) as typeof body);
    } catch {
      body = { message: String(error.body).slice(0, 300) };
    }
    return { code: error.code, reason: body.reason ?? `HTTP ${error.code}`, message: body.message ?? error.message };
  }
  const e = error as Error & { code?: string; cause?: { code?: string; message?: string }; errno?: string };
  const code = e.code ?? e.cause?.code ?? e.errno;
  return { code: null, reason: code ?? "unreachable", message: e.cause?.message ?? e.message };
}

/** What one client talks to, for messages. */
export interface ClientTarget {
  environment: string;
  context: string;
  server: string;
}

export class KubeClient {
  private readonly objects: KubernetesObjectApi;
  private readonly core: CoreV1Api;

  constructor(
    kubeConfig: KubeConfig,
    readonly target: ClientTarget,
    private readonly retry: { attempts: number; delayMs: number } = { attempts: 4, delayMs: 200 },
  ) {
    this.objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  /** Runs `call`, retrying transient answers; turns failures into a PlatformError about `what` (e.g. `apply Deployment shop/portal-blue`). */
  private async run<T>(what: string, environment: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const { code, reason, message } = apiReason(error);
        if (code !== null && TRANSIENT.has(code) && attempt < this.retry.attempts) {
          await new Promise((resolve) => setTimeout(resolve, this.retry.delayMs * 2 ** (attempt - 1)));
          continue;
        }
        if (code === null && error instanceof PlatformError) throw error;
        const where = code === null ? `the Kubernetes API server ${this.target.server} (context "${this.target.context}") is unreachable` : `${reason}`;
        const hint = code === 403 ? " — the service account lacks this permission (RBAC)" : code === 404 && /namespaces? "[^"]+" not found/.test(message) ? " — create the namespace or fix kubernetes.namespace in slipway.yaml" : "";
        throw new PlatformError(`Environment "${environment}": ${what} failed: ${where}: ${message}${hint}`, code !== null && PERMANENT.has(code));
      }
    }
  }

  /**
   * Server-side apply of `object` (validated against the official schemas first; CRDs such as
   * HTTPRoute are not checked). `force` takes over fields another manager (a hand edit) changed.
   */
  async apply<T extends KubeObjectLike>(environment: string, object: T): Promise<T> {
    const label = `apply ${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata.name}`;
    try {
      validateObject(object, { allowUnknownKinds: object.kind === "HTTPRoute" });
    } catch (error) {
      throw new PlatformError(`Environment "${environment}": ${label} refused before sending: ${(error as Error).message}`, true);
    }
    return this.run(label, environment, () => this.objects.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply) as Promise<T>);
  }

  /** The object, or null when it (or its namespace) does not exist. */
  async read<T extends KubeObjectLike>(environment: string, header: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): Promise<T | null> {
    const label = `read ${header.kind} ${header.metadata.namespace ? `${header.metadata.namespace}/` : ""}${header.metadata.name}`;
    try {
      return await this.run(label, environment, () => this.objects.read(header as KubeObjectLike) as Promise<T>);
    } catch (error) {
      if (error instanceof PlatformError && / failed: NotFound: /.test(error.message)) return null;
      throw error;
    }
  }

  /** Objects of `kind` with the labels in `selector` (`a=b,c=d`), in `namespace` or every namespace. */
  async list<T extends KubeObjectLike>(environment: string, apiVersion: string, kind: string, selector: string, namespace?: string): Promise<T[]> {
    const label = `list ${kind} ${namespace ? `in ${namespace} ` : ""}with ${selector}`;
    const answer = await this.run(label, environment, () => this.objects.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, selector));
    return (answer.items as T[]).map((item) => ({ ...item, apiVersion, kind }));
  }

  /** Deletes the object; one that does not exist is fine. Dependents are removed in the background. */
  async delete(environment: string, header: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): Promise<void> {
    const label = `delete ${header.kind} ${header.metadata.namespace ? `${header.metadata.namespace}/` : ""}${header.metadata.name}`;
    try {
      await this.run(label, environment, () => this.objects.delete(header as KubeObjectLike, undefined, undefined, undefined, undefined, "Background"));
    } catch (error) {
      if (error instanceof PlatformError && / failed: NotFound: /.test(error.message)) return;
      throw error;
    }
  }

  /** The last `tail` lines of a pod's log (all of it when omitted). */
  async podLog(environment: string, namespace: string, pod: string, tail?: number): Promise<string> {
    return this.run(`read the log of pod ${namespace}/${pod}`, environment, () => this.core.readNamespacedPodLog({ name: pod, namespace, ...(tail ? { tailLines: tail } : {}) }));
  }

  /** GET `path` on `port` of a pod through the API server's pod proxy: status and body. Never throws for an HTTP answer. */
  async podGet(environment: string, namespace: string, pod: string, port: number, path: string): Promise<{ status: number; body: string }> {
    try {
      const body = await this.core.connectGetNamespacedPodProxyWithPath({ name: `${pod}:${port}`, namespace, path: path.replace(/^\//, "") });
      return { status: 200, body: typeof body === "string" ? body : JSON.stringify(body) };
    } catch (error) {
      if (error instanceof ApiException) return { status: error.code, body: typeof error.body === "string" ? error.body : JSON.stringify(error.body ?? "") };
      const { reason, message } = apiReason(error);
      return { status: 0, body: `${reason}: ${message}` };
    }
  }
}
