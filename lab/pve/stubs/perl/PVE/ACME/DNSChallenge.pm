package PVE::ACME::DNSChallenge;
# LAB STUB (pve-twonode rehearsal lab): proxmox-acme's 'dns' challenge plugin, registered by pve-manager at start;
# an empty plugin of the type (no properties, no challenge can run). docs/lab.md.
use strict;
use warnings;

use base qw(PVE::ACME::Challenge);

sub type { return 'dns'; }

sub properties { return {}; }

sub options { return {}; }

1;
