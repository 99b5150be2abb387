package PVE::Systemd;
# LAB STAND-IN (pve-twonode rehearsal lab; docs/lab.md): pve-common's own PVE::Systemd, loaded from where the package
# installs it, with the three calls that talk to systemd over D-Bus replaced: a lab host runs no systemd and no
# D-Bus. It sits in Perl's site directory, which comes before /usr/share/perl5 in @INC (taint mode included).
# - enter_systemd_scope: qemu-server moves a starting guest into the transient unit <vmid>.scope; here the guest
#   stays where it was started (its process and pidfile are what qemu-server checks).
# - wait_for_unit_removed: the scope of a guest that stopped is gone at once (there never was one).
# - is_unit_active: no such unit is ever active.
use strict;
use warnings;

# At compile time, before the definitions below, so that they replace the real ones (not the other way round).
BEGIN { require '/usr/share/perl5/PVE/Systemd.pm'; }

no warnings 'redefine';

sub enter_systemd_scope {
    my ($unit, $description) = @_;
    die "missing description\n" if !defined($description);
    return;
}

sub wait_for_unit_removed($;$) {
    return 1;
}

sub is_unit_active($;$) {
    return 0;
}

1;
