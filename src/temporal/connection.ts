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
