/** The cluster.yaml schema: strict (unknown keys rejected), secrets as references only. */
import { z } from 'zod';

import { defaultGatedStepList, stepNameList } from '../plan/guide';
import { durationMs } from '../duration';
import { calendarEventProblem } from './calendar-event';

// Every message says what is wrong and shows a good value, so a bad config is fixable from the error alone.
const ipv4 = z.ipv4({ error: 'must be an IPv4 address, e.g. 192.168.1.11 (pvecm qdevice setup needs an IP, not a name)' });
/** Why a host's address cannot be a cluster member's, or null: corosync and qnetd need a unicast address other hosts reach. */
function notAHostAddress(ip: string): string | null {
  const [a, b] = ip.split('.').map(Number);
  if (a === 127) return 'is a loopback address: give the address the other hosts reach, e.g. 192.168.1.11';
  if (a === 0) return "is not a host address (0.0.0.0/8): give the host's LAN address, e.g. 192.168.1.11";
  if (a === 169 && b === 254) return 'is link-local (169.254/16, no DHCP lease?): give a fixed LAN address, e.g. 192.168.1.11';
  if (a >= 224) return 'is multicast or reserved, not one host: give its unicast LAN address, e.g. 192.168.1.11';
  return null;
}
const hostIp = ipv4.superRefine((ip, ctx) => {
  const problem = notAHostAddress(ip);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const dnsName = z
  .string()
  .max(253)
  .regex(/^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)*[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/);
// Written verbatim into timesyncd.conf's NTP= line: a space or newline there would add servers or settings.
const ntpServer = z.union([z.ipv4(), z.ipv6(), dnsName], { error: 'must be one host name or IP address, e.g. 0.cz.pool.ntp.org or 192.168.1.1' });
const hostname = z
  .string({ error: 'must be a host name, e.g. proxmox1' })
  .regex(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/, { error: 'must be a short host name (letters, digits, dashes), e.g. proxmox1' });
// Proxmox: cluster name = node-name rules, at most 15 characters, immutable (docs/proxmox-contract.md).
const clusterName = z
  .string({ error: 'must be a cluster name, e.g. homelab' })
  .max(15, { error: 'at most 15 characters (Proxmox limit), e.g. homelab' })
  .regex(/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/, {
    error: 'letters, digits and dashes only, no leading or trailing dash, e.g. homelab',
  });
const DURATION = /^\d+(ms|s|m|h|d)$/;
/** A duration within [min, max] (a zero or a year-long timeout is a typo, not a choice). */
const duration = (min: string, max: string) =>
  z
    .string({ error: 'must be a duration, e.g. 30s, 10m, 24h' })
    .regex(DURATION, { error: 'must be a duration like 30s, 10m or 24h' })
    // zod runs this after a failed regex too: a value that is no duration is the regex's to report.
    .refine((d) => !DURATION.test(d) || (durationMs(d) >= durationMs(min) && durationMs(d) <= durationMs(max)), { error: `must be from ${min} to ${max}` });

const secretValueError =
  'secret values are not allowed in the config; give a reference instead, e.g. { env: PVE_ROOT_PASSWORD } or { file: /root/.pve-root-password }';
export const secretRef = z.union([z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/) }), z.strictObject({ file: z.string().min(1) })], {
  error: secretValueError,
});
export type SecretRef = z.infer<typeof secretRef>;

const sshAuth = z.union([z.strictObject({ agent: z.literal(true) }), z.strictObject({ key_file: z.string().min(1), passphrase: secretRef.optional() })], {
  error: 'must be { agent: true } (ssh-agent via SSH_AUTH_SOCK) or { key_file: /root/.ssh/id_ed25519 }; never a key or password itself',
});

const hostKeyFingerprint = z
  .string({
    error: 'must be the host key fingerprint, e.g. SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8 (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub)',
  })
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, {
    error: 'must look like SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8 (run ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the host)',
  });

const ssh = z.strictObject({
  port: z.number({ error: 'must be a TCP port, e.g. 22' }).int().min(1).max(65535).default(22),
  // pvecm, ha-manager and corosync's files need root, and pve-twonode has no sudo mode.
  user: z.literal('root', { error: 'must be root (pvecm and ha-manager need root; there is no sudo mode): user: root' }).default('root'),
  host_key: hostKeyFingerprint,
  auth: sshAuth,
});

const host = z.strictObject({
  name: hostname,
  ip: hostIp,
  ssh,
});
export type HostConfig = z.infer<typeof host>;

const sid = z
  .string({ error: 'must be a guest id, e.g. vm:100 or ct:101' })
  .regex(/^(vm|ct):\d+$/, { error: 'must be vm:ID or ct:ID, e.g. vm:100' })
  .refine((s) => Number(s.split(':')[1]) >= 100, { error: 'VMIDs start at 100, e.g. vm:100' });

const haResource = z.strictObject({
  sid,
  max_restart: z.number().int().min(0).default(1),
  max_relocate: z.number().int().min(0).default(1),
  preferred_node: hostname.optional(),
});

const apiFingerprint = z
  .string({ error: 'must be the SHA-256 fingerprint of proxmox1 API certificate, e.g. 8A:EF:6F:...:B9:C2 (pvenode cert info)' })
  .regex(/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/, {
    error:
      'must be 32 colon-separated hex pairs, e.g. 8A:EF:6F:C1:81:6C:03:80:B5:B3:25:32:33:F3:15:66:30:7F:49:3E:7B:A1:33:1B:0F:21:7E:CF:65:7B:B9:C2 (pvenode cert info on proxmox1)',
  });

const join = z.discriminatedUnion(
  'method',
  [z.strictObject({ method: z.literal('api'), password: secretRef, fingerprint: apiFingerprint }), z.strictObject({ method: z.literal('use_ssh') })],
  { error: 'join.method must be "api" (root password reference + fingerprint) or "use_ssh" (root key mesh)' },
);

const powerAction = z.union([z.strictObject({ command: z.array(z.string().min(1)).min(1) }), z.strictObject({ manual: z.literal(true) })], {
  error: 'must be { command: [ipmitool, -H, 10.0.0.5, chassis, power, off] } (run on the worker, {node} is replaced) or { manual: true }',
});

const failover = z.strictObject({
  enabled: z.boolean().default(false),
  node: z.union([hostname, z.literal('auto')]).default('auto'),
  power_off: powerAction.default({ manual: true }),
  power_on: powerAction.default({ manual: true }),
  down_for: duration('1s', '1h').default('3m'),
  recovery_timeout: duration('10s', '2h').default('10m'),
});

const replication = z.strictObject({
  schedule: z
    .string()
    .superRefine((schedule, ctx) => {
      const problem = calendarEventProblem(schedule);
      if (problem) ctx.addIssue({ code: 'custom', message: `not a Proxmox calendar event: ${problem}; e.g. */15 or mon..fri 22:00` });
    })
    .default('*/15'),
  jobs: z.array(z.strictObject({ guest: z.number().int().min(100), target: hostname })).min(1),
});

const notify = z
  .strictObject({
    /** A generic webhook: the JSON body is documented in README "Guard" (Home Assistant, chat bridges take it). */
    webhook: z.strictObject({ url: z.url({ error: 'must be an http(s) URL, e.g. http://homeassistant.local:8123/api/webhook/pve' }) }).optional(),
    /** ntfy: the topic URL; priority follows the severity; a token by reference only. */
    ntfy: z.strictObject({ url: z.url({ error: 'must be the topic URL, e.g. https://ntfy.sh/my-cluster-alerts' }), token: secretRef.optional() }).optional(),
    /** While not OK, repeat the alert this often. */
    remind: duration('1m', '30d').default('6h'),
    /**
     * A host that cannot be read (UNKNOWN) is announced only once it lasted this long: an SSH hiccup is no outage,
     * and a host that is really gone shows sooner as a definite verdict (the QDevice's lost vote is CRITICAL).
     */
    unknown_after: duration('1s', '1d').default('2m'),
    /** The Temporal Web UI as the phone reaches it: alerts and gate notices link to the run's page there. */
    ui_url: z.url({ error: 'must be the Temporal Web UI base URL, e.g. https://temporal.home.lan:8233' }).optional(),
    /**
     * Called (GET) after every completed guard check, whatever the cluster's health: a push monitor (healthchecks.io,
     * Uptime Kuma) that stops hearing it knows the worker or the Temporal server is down.
     */
    heartbeat_url: z.url({ error: 'must be the push URL of your monitor, e.g. https://hc-ping.com/<uuid>' }).optional(),
  })
  .refine((n) => n.webhook || n.ntfy, { error: 'give at least one of webhook or ntfy' });
export type NotifyConfig = z.infer<typeof notify>;

const approvals = z.strictObject({
  steps: z.array(z.enum(stepNameList(), { error: `must be one of ${stepNameList().join(', ')}` })).default(defaultGatedStepList()),
  timeout: duration('1m', '365d').optional(),
  on_timeout: z.enum(['reject', 'remind']).default('reject'),
});

export const clusterConfigSchema = z
  .strictObject({
    cluster: z.strictObject({
      name: clusterName,
      /** The Temporal task queue of this cluster's runs and checks; a worker in the site's LAN serves it. */
      task_queue: z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,200}$/, { error: 'must be a task queue name: letters, digits, dot, dash, underscore, e.g. pve-twonode-site-b' })
        .default('pve-twonode'),
      domain: z
        .string()
        .regex(/^[a-z0-9.-]+$/)
        .optional(),
    }),
    nodes: z.tuple([host, host], { error: 'must list exactly two Proxmox nodes (proxmox1 first: it creates the cluster)' }),
    qdevice: host,
    ntp: z.strictObject({
      servers: z.array(ntpServer).min(1, { error: 'list at least one NTP server, e.g. [0.cz.pool.ntp.org, 1.cz.pool.ntp.org]' }),
      max_skew_ms: z.number().int().positive().default(500),
    }),
    join,
    ha: z.strictObject({ resources: z.array(haResource).default([]) }).default({ resources: [] }),
    replication: replication.optional(),
    failover: failover.default({
      enabled: false,
      node: 'auto',
      power_off: { manual: true },
      power_on: { manual: true },
      down_for: '3m',
      recovery_timeout: '10m',
    }),
    approvals: approvals.default({ steps: defaultGatedStepList(), on_timeout: 'reject' }),
    notify: notify.optional(),
  })
  .superRefine((cfg, ctx) => {
    const names = [cfg.nodes[0].name, cfg.nodes[1].name, cfg.qdevice.name];
    const ips = [cfg.nodes[0].ip, cfg.nodes[1].ip, cfg.qdevice.ip];
    if (new Set(names).size !== 3) ctx.addIssue({ code: 'custom', path: ['qdevice', 'name'], message: 'the three hosts need three different names' });
    if (new Set(ips).size !== 3) ctx.addIssue({ code: 'custom', path: ['qdevice', 'ip'], message: 'the three hosts need three different IPs' });
    const nodeNames = names.slice(0, 2);
    cfg.ha.resources.forEach((r, i) => {
      if (r.preferred_node && !nodeNames.includes(r.preferred_node))
        ctx.addIssue({ code: 'custom', path: ['ha', 'resources', i, 'preferred_node'], message: `must be one of the nodes: ${nodeNames.join(', ')}` });
    });
    cfg.replication?.jobs.forEach((j, i) => {
      if (!nodeNames.includes(j.target))
        ctx.addIssue({ code: 'custom', path: ['replication', 'jobs', i, 'target'], message: `must be one of the nodes: ${nodeNames.join(', ')}` });
    });
    if (cfg.failover.node !== 'auto' && !nodeNames.includes(cfg.failover.node))
      ctx.addIssue({ code: 'custom', path: ['failover', 'node'], message: `must be "auto" or one of the nodes: ${nodeNames.join(', ')}` });
    if (cfg.failover.enabled && cfg.ha.resources.length === 0)
      ctx.addIssue({ code: 'custom', path: ['failover', 'enabled'], message: 'the failover test needs at least one ha.resources entry to watch' });
  });

export type ClusterConfig = z.infer<typeof clusterConfigSchema>;
