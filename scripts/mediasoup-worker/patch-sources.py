#!/usr/bin/env python3
"""Fix a COPY of mediasoup's worker sources where Debian's libraries behave
differently from the ones upstream bundles.

Usage: patch-sources.py <worker-copy-dir>

WHY (DtlsTransport.cpp, onSslBioOut): the BIO callback returns 1 for every
call that is not exactly BIO_CB_RETURN. OpenSSL also calls it after
BIO_ctrl with BIO_CB_CTRL|BIO_CB_RETURN; returning 1 there answers the
control query. Debian's OpenSSL 3.0 is built with kernel TLS, and its DTLS
write path asks the BIO (BIO_CTRL_GET_KTLS_SEND) whether the kernel sends:
the bogus 1 says yes, OpenSSL never allocates its write buffer, and the
worker crashes (NULL write buffer in do_dtls1_write) on the first DTLS
handshake. Upstream's bundled OpenSSL has no kTLS, which hides the bug.
The fix returns OpenSSL's own result for every *_RETURN call.

WHY (RTP/ProbationGenerator, every version with the static buffer): all of
a worker's probation generators (one per WebRTC transport, for bandwidth
probes) build their packet on ONE static thread_local buffer, so they share
its RTP sequence number, and each new transport resets it to a random value.
On every other transport the probe stream (SSRC 1234) then jumps back, and
libsrtp refuses to protect it ("replay check failed (index too old)") until
the shared number passes that transport's highest. The probe packets were
already given transport-wide sequence numbers, so the viewer's transport-cc
feedback reports them lost: the estimator sees loss at every probe and no
probe ever succeeds. On clean loopback a 9-host room's viewers sat at
250-450 kbit/s estimates with ~5 % "loss" every 5 s and no media loss at
all (bench/RESULTS.md, issue 21). The fix gives each generator its own
buffer. Worth reporting upstream.

Every edit asserts its anchor, like patch-meson.py.
"""
import os
import sys

PREFIX = "mediasoup-worker build:"

EDITS = [
    (
        os.path.join("src", "RTC", "DtlsTransport.cpp"),
        "const long resultOfcallback = (operationType == BIO_CB_RETURN) ? static_cast<long>(ret) : 1;",
        "const long resultOfcallback = ((operationType & BIO_CB_RETURN) != 0) ? static_cast<long>(ret) : 1;",
    ),
    (
        os.path.join("include", "RTC", "RTP", "ProbationGenerator.hpp"),
        "\t\t\t// Allocated by this.\n\t\t\tstd::unique_ptr<RTP::Packet> probationPacket;",
        "\t\t\t// Allocated by this: one buffer per generator, not a shared static one (Stagecast patch).\n"
        "\t\t\tstd::unique_ptr<uint8_t[]> probationPacketBuffer{ new uint8_t[ProbationPacketMaxLength]() };\n"
        "\t\t\t// Allocated by this.\n\t\t\tstd::unique_ptr<RTP::Packet> probationPacket;",
    ),
    (
        os.path.join("src", "RTC", "RTP", "ProbationGenerator.cpp"),
        "RTP::Packet::Factory(ProbationPacketBuffer, sizeof(ProbationPacketBuffer))",
        "RTP::Packet::Factory(this->probationPacketBuffer.get(), ProbationGenerator::ProbationPacketMaxLength)",
    ),
]


def die(msg):
    sys.stderr.write(f"{PREFIX} {msg}\n")
    sys.exit(1)


def main():
    if len(sys.argv) != 2:
        die("usage: patch-sources.py <worker-copy-dir>")
    worker = sys.argv[1]
    for rel, old, new in EDITS:
        path = os.path.join(worker, rel)
        if not os.path.isfile(path):
            die(f"{rel} not found in {worker} (mediasoup layout changed?)")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        count = text.count(old)
        if count != 1:
            die(f"patch anchor not found exactly once in {rel} (found {count}x {old!r}); "
                "mediasoup changed this code: check whether the fix is still needed")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new))


if __name__ == "__main__":
    main()
