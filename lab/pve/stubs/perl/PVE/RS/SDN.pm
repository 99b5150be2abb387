package PVE::RS::SDN;
# LAB STUB (pve-twonode rehearsal lab): stands in for the Rust binding PVE::RS::SDN, which is built from Proxmox's
# Rust crates (proxmox-perl-rs) and cannot be built here. Loading it works; calling anything in it dies, so a code
# path the lab does not cover fails loudly instead of answering. Listed in docs/lab.md.
use strict;
use warnings;

our $AUTOLOAD;

sub AUTOLOAD {
    my $name = $AUTOLOAD;
    return if $name =~ /::DESTROY$/;
    die "lab stub: $name called; PVE::RS::SDN is a Rust binding the lab does not build (docs/lab.md)\n";
}

1;
