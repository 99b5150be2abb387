package PVE::RS::TFA;
# LAB STUB (pve-twonode rehearsal lab), ANSWERS: stands in for the Rust binding PVE::RS::TFA (proxmox-perl-rs), which
# cannot be built here. Every login (the API join's too) reads the TFA config through it, so it must answer: as the
# real one does for a fresh install, a config with no second factor for anyone. A config that has entries, and every
# other call, dies: the lab never sets up a second factor. Listed in docs/lab.md.
use strict;
use warnings;

our $AUTOLOAD;

sub new {
    my ($class, $raw) = @_;
    die "lab stub: PVE::RS::TFA cannot read a TFA config with entries (docs/lab.md)\n"
        if defined($raw) && $raw =~ /\S/;
    return bless {}, $class;
}

sub users { return []; }                      # nobody has a second factor
sub authentication_challenge { return undef; } # so no login is challenged
sub recovery_state { return undef; }
sub set_u2f_config { return; }
sub set_webauthn_config { return; }
sub write { return ''; }

sub AUTOLOAD {
    my $name = $AUTOLOAD;
    return if $name =~ /::DESTROY$/;
    die "lab stub: $name called; PVE::RS::TFA is a Rust binding the lab does not build (docs/lab.md)\n";
}

1;
