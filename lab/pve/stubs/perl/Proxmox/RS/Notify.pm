package Proxmox::RS::Notify;
# LAB STUB (pve-twonode rehearsal lab): stands in for the Rust binding Proxmox::RS::Notify, which is built from Proxmox's
# Rust crates (proxmox-perl-rs) and cannot be built here. Loading it works; calling anything in it dies, so a code
# path the lab does not cover fails loudly instead of answering. Listed in docs/lab.md.
use strict;
use warnings;

our $AUTOLOAD;

sub AUTOLOAD {
    my $name = $AUTOLOAD;
    return if $name =~ /::DESTROY$/;
    die "lab stub: $name called; Proxmox::RS::Notify is a Rust binding the lab does not build (docs/lab.md)\n";
}

1;
