package PVE::ACME::Challenge;
# LAB STUB (pve-twonode rehearsal lab): proxmox-acme's challenge plugin base, which is not among the lab's sources
# (it is its own repository, proxmox-acme). pve-manager loads it at start to register the ACME plugin types; here it is
# an empty SectionConfig, so the ACME API lists no plugins. Nothing the lab runs issues certificates. docs/lab.md.
use strict;
use warnings;

use base qw(PVE::SectionConfig);

my $defaultData = { propertyList => { type => { description => 'ACME challenge type.' } } };

sub private { return $defaultData; }

1;
