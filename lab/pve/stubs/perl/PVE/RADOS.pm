package PVE::RADOS;
# LAB STUB (pve-twonode rehearsal lab): stands in for PVE::RADOS (librados2-perl, Ceph's XS binding, not among the
# lab's sources and useless without a Ceph cluster). pve-manager loads it at start; the lab has no Ceph. Loading it
# works; calling anything in it dies. Listed in docs/lab.md.
use strict;
use warnings;

our $AUTOLOAD;

sub AUTOLOAD {
    my $name = $AUTOLOAD;
    return if $name =~ /::DESTROY$/;
    die "lab stub: $name called; PVE::RADOS is a Rust binding the lab does not build (docs/lab.md)\n";
}

1;
