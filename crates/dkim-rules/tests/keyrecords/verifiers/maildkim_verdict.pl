#!/usr/bin/perl
# Asks Mail::DKIM (the Perl verifier used by SpamAssassin and amavis) what it makes of one
# key record. Usage: maildkim_verdict.pl RECORDFILE MESSAGE
# The record is served for sel._domainkey.example.com by Net::DNS::Resolver::Mock (no
# network), split into 255-octet strings as a DNS host would. MESSAGE is signed with
# d=example.com s=sel by a key that is not the record's. Mail::DKIM says "invalid (...)"
# when it refuses the key record (or the signature's algorithm) and "fail (...)" when it
# used the key and the signature did not match, so "fail" means the record was accepted.
# Debian's Mail::DKIM 1.20230212 has no ed25519-sha256 verifier: "n/a" for such records.
use strict;
use warnings;
use Mail::DKIM::Verifier;
use Mail::DKIM::DNS;
use Net::DNS::Resolver::Mock;

my ($recfile, $msgfile) = @ARGV;
open(my $rf, '<:raw', $recfile) or die "$recfile: $!";
my $record = do { local $/; <$rf> };
close $rf;
my @strings;
for (my $i = 0; $i < length($record); $i += 255) {
    my $s = substr($record, $i, 255);
    $s =~ s/(["\\])/\\$1/g;
    push @strings, "\"$s\"";
}
@strings = ('""') unless @strings;
my $zone = "sel._domainkey.example.com. 300 IN TXT " . join(' ', @strings) . "\n";
my $resolver = Net::DNS::Resolver::Mock->new();
$resolver->zonefile_parse($zone);
Mail::DKIM::DNS::resolver($resolver);

my $dkim = Mail::DKIM::Verifier->new();
open(my $mf, '<:raw', $msgfile) or die "$msgfile: $!";
while (my $line = <$mf>) {
    $line =~ s/\r?\n\z//;
    $dkim->PRINT("$line\015\012");
}
close $mf;
$dkim->CLOSE;
my ($sig) = $dkim->signatures;
my $detail = $sig ? $sig->result_detail : $dkim->result_detail;
my $result = $sig ? $sig->result : $dkim->result;
if ($detail =~ /unsupported algorithm ed25519/) {
    # This Mail::DKIM cannot verify ed25519-sha256 at all: no verdict on the record.
    print "n/a\t$detail\n";
} elsif ($result eq 'pass' || $result eq 'fail') {
    print "accept\t$detail\n";
} else {
    print "reject\t$detail\n";
}
