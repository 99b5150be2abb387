/** Temporal connection settings from the standard environment (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS, API key, profiles). */
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';

export const TASK_QUEUE = 'pve-twonode';

export function temporalSettings() {
  const { connectionOptions, namespace } = loadClientConnectConfig();
  return {
    connectionOptions: { ...connectionOptions, address: connectionOptions.address ?? 'localhost:7233' },
    namespace: namespace ?? 'default',
  };
}

export async function connectClient(): Promise<Client> {
  const { connectionOptions, namespace } = temporalSettings();
  const connection = await Connection.connect(connectionOptions);
  return new Client({ connection, namespace });
}

export async function connectWorker(): Promise<{ connection: NativeConnection; namespace: string }> {
  const { connectionOptions, namespace } = temporalSettings();
  return { connection: await NativeConnection.connect(connectionOptions), namespace };
}

/** The run's page in the Temporal UI: the dev server's UI sits 1000 above its port; elsewhere the owner knows the host. */
export function uiLink(address: string, namespace: string, workflowId: string): string {
  const [host, port] = address.split(':');
  const uiHost = ['localhost', '127.0.0.1'].includes(host) ? `http://${host}:${Number(port ?? 7233) + 1000}` : 'https://<your Temporal UI>';
  return `${uiHost}/namespaces/${namespace}/workflows/${encodeURIComponent(workflowId)}`;
}

/**
 * The run's page for a notification read on a phone: under notify.ui_url when set; the dev server's own UI when the
 * worker talks to one on this machine; otherwise none (a placeholder link on a phone helps nobody).
 */
export function noticeLink(uiUrl: string | undefined, address: string, namespace: string, workflowId: string): string | null {
  const page = `/namespaces/${namespace}/workflows/${encodeURIComponent(workflowId)}`;
  if (uiUrl) return `${uiUrl.replace(/\/+$/, '')}${page}`;
  const link = uiLink(address, namespace, workflowId);
  return link.startsWith('https://<') ? null : link;
}
