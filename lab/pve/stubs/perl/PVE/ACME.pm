package PVE::ACME;
# LAB STUB (pve-twonode rehearsal lab): stands in for PVE::ACME, the ACME client of proxmox-acme, a repository that is
# not among the lab's sources. pve-manager loads it at start; nothing the lab runs orders a certificate. Loading it
# works; calling anything in it dies. Listed in docs/lab.md.
use strict;
use warnings;

our $AUTOLOAD;

sub AUTOLOAD {
    my $name = $AUTOLOAD;
    return if $name =~ /::DESTROY$/;
    die "lab stub: $name called; PVE::ACME is a Rust binding the lab does not build (docs/lab.md)\n";
}

1;
