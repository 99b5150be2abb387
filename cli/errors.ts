/**
 * What the CLI tells a person when something fails: one line they can act on and a documented exit code (README
 * "Exit codes"). Stack traces only with --debug.
 */
import { NamespaceNotFoundError, WorkflowNotFoundError } from '@temporalio/common';
import { ServiceError } from '@temporalio/client';

export const EXIT = {
  ok: 0,
  /** The run did not complete (failed, rejected, cancelled) or a step failed. */
  runNotCompleted: 1,
  /** Bad arguments or an invalid cluster.yaml. */
  usage: 2,
  temporalUnreachable: 3,
  namespaceMissing: 4,
  noRun: 5,
  /** A running workflow whose task queue no worker polls: live progress and the run itself wait for one. */
  noWorker: 6,
  permissionDenied: 7,
} as const;

/** An error the CLI explains itself: the message is for the person, the code for scripts. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

// gRPC status codes (grpc/doc/statuscodes.md); the Temporal client passes the server's through.
const grpcStatus = { DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, PERMISSION_DENIED: 7, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

interface Where {
  address: string;
  namespace: string;
  taskQueue: string;
  /** TLS is configured: a server certificate the client does not trust looks like an unreachable server. */
  tls?: boolean;
}

function grpcCode(err: unknown): number | undefined {
  const cause = err instanceof ServiceError ? err.cause : err;
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Maps a failure from the Temporal client to a CliError, or returns null when it is not a known case. */
export function explainTemporalError(err: unknown, where: Where): CliError | null {
  if (err instanceof CliError) return err;
  const cause = err instanceof ServiceError ? err.cause : undefined;
  const message = `${err instanceof Error ? err.message : String(err)} ${cause?.message ?? ''}`;
  if (err instanceof WorkflowNotFoundError)
    return new CliError(
      `no run found for this cluster on ${where.address} namespace ${where.namespace}: start one with pve-twonode start <cluster.yaml>`,
      EXIT.noRun,
    );
  if (err instanceof NamespaceNotFoundError || (grpcCode(err) === grpcStatus.NOT_FOUND && /namespace/i.test(message)))
    return new CliError(
      `namespace "${where.namespace}" does not exist on ${where.address}: create it (temporal operator namespace create --namespace ${where.namespace}) or set TEMPORAL_NAMESPACE`,
      EXIT.namespaceMissing,
    );
  if (grpcCode(err) === grpcStatus.PERMISSION_DENIED || grpcCode(err) === grpcStatus.UNAUTHENTICATED)
    return new CliError(
      `permission denied by Temporal at ${where.address} (namespace ${where.namespace}): check TEMPORAL_API_KEY or the TLS client certificate (TEMPORAL_TLS_CLIENT_CERT_PATH)`,
      EXIT.permissionDenied,
    );
  if (/no poller seen for task queue|no worker|QueryTimeout/i.test(message) || (grpcCode(err) === grpcStatus.DEADLINE_EXCEEDED && /query/i.test(message)))
    return new CliError(
      `the run is waiting for a worker: none polls task queue "${where.taskQueue}" on ${where.address}; start one with: pve-twonode worker`,
      EXIT.noWorker,
    );
  // The worker's native connection reports a refused or unresolvable address as a tonic transport error.
  if (
    /Failed to connect before the deadline|ECONNREFUSED|connect ECONN|UNAVAILABLE|No connection established|tcp connect error|dns error/i.test(message) ||
    grpcCode(err) === grpcStatus.UNAVAILABLE
  )
    return new CliError(
      where.tls
        ? `cannot reach the Temporal server at ${where.address} over TLS: check the address, and that its certificate is signed by TEMPORAL_TLS_SERVER_CA_CERT_PATH (or a public CA) and valid for the name (TEMPORAL_TLS_SERVER_NAME)`
        : `cannot reach the Temporal server at ${where.address}: start a local one with \`pve-twonode server\`, or point TEMPORAL_ADDRESS at yours`,
      EXIT.temporalUnreachable,
    );
  return null;
}
