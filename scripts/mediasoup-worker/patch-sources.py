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
