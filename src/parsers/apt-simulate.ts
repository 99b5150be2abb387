/**
 * Parses `apt-get -s dist-upgrade` (apt's simulation: no package changes, no lock needed): one `Inst` line per package
 * installed or upgraded, `Inst <pkg> [<installed>] (<candidate> <origin> [<arch>])`, a new package without the
 * bracket; `Remv <pkg> [<installed>]` per removal; `Conf` lines repeat the installs. apt-pkg's simulation
 * (apt-pkg/algorithms.cc, pkgSimulate) prints them; docs/proxmox-contract.md, "Updates".
 */

export interface AptChange {
  package: string;
  /** The installed version; null for a package the upgrade installs new (a new kernel). */
  from: string | null;
  to: string;
}

export interface AptSimulation {
  changes: AptChange[];
  removals: string[];
}

const INST = /^Inst (\S+) (?:\[(\S+)\] )?\((\S+)/;
const REMV = /^Remv (\S+)/;

export function parseAptSimulation(text: string): AptSimulation {
  const changes: AptChange[] = [];
  const removals: string[] = [];
  for (const line of text.split('\n')) {
    const inst = INST.exec(line);
    if (inst) changes.push({ package: inst[1], from: inst[2] ?? null, to: inst[3] });
    const remv = REMV.exec(line);
    if (remv) removals.push(remv[1]);
  }
  return { changes, removals };
}

/** A kernel image package, as Proxmox (proxmox-kernel-6.8.12-2-pve[-signed], older pve-kernel-*) and Debian name them. */
export function isKernelPackage(name: string): boolean {
  return /^(?:proxmox|pve)-kernel-\d/.test(name) || /^linux-image-\d/.test(name);
}
