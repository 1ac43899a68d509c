#!/usr/bin/env python3
"""Writes the initramfs of the Linux side of `make bench`: a cpio archive in the "newc" format
the Linux kernel unpacks at boot, holding /dev, the console device node /dev/console (char 5:1,
which the kernel opens as the init's standard input and output) and /init, the static benchmark
program. Written here rather than with cpio(1) so that no root rights (mknod) and no extra
package are needed.

Usage: tests/bench/mkinitramfs.py OUT.cpio INIT_PROGRAM
"""
import sys

S_IFDIR, S_IFREG, S_IFCHR = 0o040000, 0o100000, 0o020000


def entry(ino, name, mode, data=b"", rdev=(0, 0)):
    """One newc member: the 110-byte header, the name and the data, each padded to 4 bytes."""
    name_bytes = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_bytes), 0]
    out = b"070701" + b"".join(b"%08X" % f for f in fields) + name_bytes
    out += b"\0" * (-len(out) % 4)
    out += data + b"\0" * (-len(data) % 4)
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    out_path, init_path = sys.argv[1], sys.argv[2]
    with open(init_path, "rb") as f:
        init = f.read()
    archive = (entry(1, "dev", S_IFDIR | 0o755)
               + entry(2, "dev/console", S_IFCHR | 0o600, rdev=(5, 1))
               + entry(3, "init", S_IFREG | 0o755, init)
               + entry(0, "TRAILER!!!", 0))
    archive += b"\0" * (-len(archive) % 512)
    with open(out_path, "wb") as f:
        f.write(archive)


if __name__ == "__main__":
    main()
