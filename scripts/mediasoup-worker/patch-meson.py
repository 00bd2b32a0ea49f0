#!/usr/bin/env python3
"""Patch a COPY of mediasoup's worker/ meson files to use Debian 12 libraries.

Usage: patch-meson.py <worker-copy-dir>

WHY: upstream builds libuv, OpenSSL, libsrtp3, FlatBuffers, abseil-cpp and
unordered_dense as meson wrap subprojects downloaded from GitHub. Our build
machines only reach the npm registry, Debian apt and a local pip index, so we
swap every such subproject for the system library (pkg-config, or a plain
library search for FlatBuffers, which Debian ships without a .pc file).
Two header-only gaps are filled by our own headers, which build.sh copies to
<worker-copy-dir>/stagecast-include (see include/ next to this script):
ankerl/unordered_dense.h and a libsrtp 3 -> 2 API shim named srtp.h.

Every edit asserts its anchor, so when a future mediasoup release changes its
build files this fails with one clear line instead of building something odd.
"""
import os
import re
import sys

PREFIX = "mediasoup-worker build:"
MAIN = "meson.build"
WEBRTC = os.path.join("deps", "libwebrtc", "meson.build")
COMPAT_DIR = "stagecast-include"


def die(msg):
    sys.stderr.write(f"{PREFIX} {msg}\n")
    sys.exit(1)


def replace_once(text, old, new, where, what):
    n = text.count(old)
    if n != 1:
        die(f"patch anchor not found exactly once in {where} ({what}: found {n}x {old!r}); "
            "mediasoup changed its build files, update scripts/mediasoup-worker/patch-meson.py")
    return text.replace(old, new)


def replace_subproject(text, name, new, where):
    """Replace the whole `xxx_proj = subproject('name', ...)` statement."""
    pat = re.compile(
        r"^(?P<ind>[ \t]*)\w+ = subproject\(\s*'" + re.escape(name) + r"'.*?^(?P=ind)\)\n",
        re.M | re.S)
    found = pat.findall(text)
    if len(found) != 1:
        die(f"patch anchor not found exactly once in {where} (subproject('{name}') block: found {len(found)}); "
            "mediasoup changed its build files, update scripts/mediasoup-worker/patch-meson.py")
    ind = found[0]
    body = "".join(ind + line + "\n" for line in new.splitlines())
    return pat.sub(lambda _m: body, text, count=1)


def patch_main(text):
    w = MAIN
    # Our compat headers; declared right after the `cpp` compiler object.
    text = replace_once(
        text, "cpp = meson.get_compiler('cpp')\n",
        "cpp = meson.get_compiler('cpp')\n\n"
        "# stagecast: srtp.h (libsrtp3 API on libsrtp2) and ankerl/unordered_dense.h.\n"
        f"stagecast_compat_inc = include_directories('{COMPAT_DIR}')\n",
        w, "compiler object")

    text = replace_subproject(text, "libuv",
        "# stagecast: system libuv instead of the GitHub wrap.\n"
        "libuv_dep = dependency('libuv')", w)
    text = replace_subproject(text, "openssl",
        "# stagecast: system OpenSSL 3 instead of the wrap.\n"
        "openssl_dep = dependency('openssl')", w)
    text = replace_subproject(text, "libsrtp3",
        "# stagecast: Debian ships libsrtp 2.5; our srtp.h maps the v3 API onto it.\n"
        "libsrtp_dep = declare_dependency(\n"
        "  dependencies: dependency('libsrtp2'),\n"
        "  include_directories: stagecast_compat_inc,\n"
        ")", w)
    text = replace_subproject(text, "flatbuffers",
        "# stagecast: Debian's libflatbuffers-dev has no pkg-config file.\n"
        "flatbuffers_dep = cpp.find_library('flatbuffers', has_headers: ['flatbuffers/flatbuffers.h'])", w)
    text = replace_subproject(text, "abseil-cpp",
        "# stagecast: system abseil (Debian libabsl-dev) instead of the wrap.\n"
        "absl_container_dep = dependency('absl_flat_hash_map')", w)

    text = replace_once(
        text, "ankerl_unordered_dense_dep = dependency('unordered_dense')\n",
        "# stagecast: std-container stand-in header (no Debian package exists).\n"
        "ankerl_unordered_dense_dep = declare_dependency(include_directories: stagecast_compat_inc)\n",
        w, "unordered_dense dependency")

    # link_whole only lists the static libs of subprojects; system libraries are
    # linked as ordinary (shared) dependencies instead, so drop them.
    for proj, var in [("libuv", "libuv"), ("openssl", "libcrypto_lib"), ("openssl", "libssl_lib"),
                      ("libsrtp3", "libsrtp3"), ("flatbuffers", "flatbuffers_lib"),
                      ("abseil_cpp", "absl_container_lib")]:
        pat = re.compile(r"^[ \t]*" + proj + r"_proj\.get_variable\('" + var + r"'\),\n", re.M)
        text, n = pat.subn("", text)
        if n != 1:
            die(f"patch anchor not found exactly once in {w} (link_whole entry {proj}_proj.get_variable('{var}'): found {n}x)")
    return text


def patch_webrtc(text):
    w = WEBRTC
    return replace_subproject(text, "abseil-cpp",
        "# stagecast: system abseil; libwebrtc only needs strings, optional, memory.\n"
        "absl_strings_dep = dependency('absl_strings')\n"
        "absl_types_dep = declare_dependency(\n"
        "  dependencies: [dependency('absl_optional'), dependency('absl_memory')],\n"
        ")", w)


# `<proj>_proj.get_variable('<dep>')` -> the variable our replacements define.
DEP_VARS = {
    "libuv_proj.get_variable('libuv_dep')": "libuv_dep",
    "openssl_proj.get_variable('openssl_dep')": "openssl_dep",
    "libsrtp3_proj.get_variable('libsrtp3_dep')": "libsrtp_dep",
    "flatbuffers_proj.get_variable('flatbuffers_dep')": "flatbuffers_dep",
    "abseil_cpp_proj.get_variable('absl_container_dep')": "absl_container_dep",
    "abseil_cpp_proj.get_variable('absl_strings_dep')": "absl_strings_dep",
    "abseil_cpp_proj.get_variable('absl_types_dep')": "absl_types_dep",
}
LEFTOVER = re.compile(r"\b(libuv|openssl|libsrtp3|flatbuffers|abseil_cpp)_proj\b|dependency\('unordered_dense'\)")


def main():
    if len(sys.argv) != 2:
        die("usage: patch-meson.py <worker-copy-dir>")
    worker = sys.argv[1]
    if not os.path.isdir(os.path.join(worker, COMPAT_DIR)):
        die(f"compat headers not copied to {os.path.join(worker, COMPAT_DIR)}")

    texts = {}
    for rel, fn in [(MAIN, patch_main), (WEBRTC, patch_webrtc)]:
        path = os.path.join(worker, rel)
        if not os.path.isfile(path):
            die(f"{rel} not found in {worker} (mediasoup layout changed?)")
        with open(path, encoding="utf-8") as f:
            texts[rel] = fn(f.read())

    used = set()
    for rel in texts:
        for old, new in DEP_VARS.items():
            if old in texts[rel]:
                used.add(old)
                texts[rel] = texts[rel].replace(old, new)
        m = LEFTOVER.search(texts[rel])
        if m:
            die(f"unpatched subproject reference left in {rel}: {m.group(0)!r} "
                "(mediasoup changed its build files, update patch-meson.py)")
    missing = set(DEP_VARS) - used
    if missing:
        die(f"patch anchor not found: {sorted(missing)[0]} (mediasoup changed its build files)")

    for rel, text in texts.items():
        with open(os.path.join(worker, rel), "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
