package PVE::ACME::StandAlone;
# LAB STUB (pve-twonode rehearsal lab): proxmox-acme's 'standalone' challenge plugin, registered by pve-manager at start;
# an empty plugin of the type (no properties, no challenge can run). docs/lab.md.
use strict;
use warnings;

use base qw(PVE::ACME::Challenge);

sub type { return 'standalone'; }

sub properties { return {}; }

sub options { return {}; }

1;
