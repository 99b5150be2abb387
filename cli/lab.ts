/** `lab ...`: the rehearsal lab (lab/lab.sh) from the CLI; root only, since it makes namespaces and mounts. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../src/paths';

export function labScript(): string {
  return join(projectRoot(), 'lab', 'lab.sh');
}

export function runLab(args: string[]): number {
  if (process.getuid?.() !== 0) throw new Error('the rehearsal lab needs root (network namespaces, mounts): run it with sudo');
  return spawnSync('bash', [labScript(), ...args], { stdio: 'inherit' }).status ?? 1;
}

/**
 * The lab's faults (`lab fault <host> <fault> [on|off]`), as lab/lab.sh's cmd_fault knows them: the CLI's help is
 * built from this list, and test/docs-generated.test.ts keeps it equal to the script's.
 */
export const LAB_FAULTS = {
  guest: 'a VM on the host (node 2 with a guest cannot join)',
  'hook-fails': 'a package script fails on the host during an update (off: the cause fixed, dpkg --configure -a succeeds)',
  'slow-hook': 'a package script takes 30 s on the host during an update (a window to cut the worker or the link)',
  'no-boot': 'the host does not come back from its next reboot (lab poweron brings it back)',
  'no-rsync': 'rsync not installed: real pvecm add --use_ssh fails half-way, exit 0',
  'qnetd-signing-broken': 'the VM cannot sign certificates (a full disk): a QDevice setup fails after its remove',
  'qdevice-dead': 'corosync-qdevice dies on a node past its restarts: the vote is lost',
  'qnetd-stopped': 'corosync-qnetd stopped on the VM',
  unplugged: "the host's cable pulled (it keeps running, nobody reaches it)",
  'qdevice-certs': "a node's QDevice certificate store gone (a reinstall): it shows NR",
  'qdevice-half': 'a QDevice setup that stopped half-way: corosync-qdevice not installed on the node',
  'qnetd-rebuilt': "the VM reinstalled: a new qnetd CA, so the nodes' certificates no longer pass",
  'expected-low': 'the other node away, pvecm expected 2 run on this one (an override while it is gone)',
  'ha-maintenance': 'the node put into HA maintenance and left there',
  'clock-skew': "the host's clock 5 s ahead for everything run over SSH; NTP still says synchronised",
} as const;

export function labFaultHelp(): string {
  return Object.entries(LAB_FAULTS)
    .map(([name, what]) => `${name}: ${what}`)
    .join('; ');
}
